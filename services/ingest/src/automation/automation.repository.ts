import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { Transaction } from '../recordings/recording.repository';
import type { AutomationSchedule } from './schedule';

export interface AutomationJobRow {
  id: string;
  userId: string;
  name: string;
  description: string;
  sourceIds: string[];
  sourcePlatforms: string[];
  templateId: string | null;
  autoRun: boolean;
  syncDays: number;
  schedule: AutomationSchedule;
  isActive: boolean;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  runCount: number;
  createdAt: Date;
  updatedAt: Date;
  /** A template's processingConfig shape, the manual override of the recordings its syncs bring in; {}: none. */
  processingConfig: Record<string, unknown>;
}

export type RunTrigger = 'SCHEDULE' | 'MANUAL';
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED';

/** A run with what its syncs did, summed over them as they finish. */
export interface AutomationRunRow {
  id: string;
  jobId: string;
  userId: string;
  trigger: RunTrigger;
  dueAt: Date | null;
  startedAt: Date;
  /** When its last sync finished (the run is over once none is pending). */
  lastFinishedAt: Date | null;
  sources: number;
  pending: number;
  failed: number;
  synced: number;
  found: number;
  created: number;
  updated: number;
  matched: number;
  started: number;
  skipped: number;
}

const JOB = `id, user_id AS "userId", name, description, source_ids::text[] AS "sourceIds", source_platforms AS "sourcePlatforms", template_id AS "templateId",
  auto_run AS "autoRun", sync_days AS "syncDays", schedule, is_active AS "isActive", next_run_at AS "nextRunAt", last_run_at AS "lastRunAt",
  run_count AS "runCount", created_at AS "createdAt", updated_at AS "updatedAt", processing_config AS "processingConfig"`;
/** Counts are summed over the run's syncs, so a run's history is right as soon as each sync commits. */
const RUN = `r.id, r.job_id AS "jobId", r.user_id AS "userId", r.trigger, r.due_at AS "dueAt", r.started_at AS "startedAt", r.sources,
  MAX(s.finished_at) AS "lastFinishedAt",
  COUNT(s.id) FILTER (WHERE s.status IN ('QUEUED', 'RUNNING'))::int AS pending,
  COUNT(s.id) FILTER (WHERE s.status = 'FAILED')::int AS failed,
  COUNT(s.id) FILTER (WHERE s.status = 'SUCCEEDED')::int AS synced,
  COALESCE(SUM(s.found), 0)::int AS found, COALESCE(SUM(s.created), 0)::int AS created, COALESCE(SUM(s.updated), 0)::int AS updated,
  COALESCE(SUM(s.matched), 0)::int AS matched, COALESCE(SUM(s.started), 0)::int AS started,
  COALESCE(SUM(jsonb_array_length(s.skips)), 0)::int AS skipped`;
/** `$1` the user, `$2` text in the name or description (LIKE wildcards taken literally), `$3` active or not. */
const FILTER = `user_id = $1
  AND ($2::text IS NULL OR strpos(lower(name), lower($2)) > 0 OR strpos(lower(description), lower($2)) > 0)
  AND ($3::boolean IS NULL OR is_active = $3)`;
const SORT_COLUMNS = { name: 'lower(name)', createdAt: 'created_at', nextRunAt: 'next_run_at', lastRunAt: 'last_run_at' } as const;

export interface JobFilter {
  search?: string;
  isActive?: boolean;
  sort?: { field: keyof typeof SORT_COLUMNS; direction: 'asc' | 'desc' }[];
  offset?: number;
  limit?: number;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type JobFields = Pick<AutomationJobRow, 'name' | 'description' | 'sourceIds' | 'sourcePlatforms' | 'templateId' | 'autoRun' | 'syncDays' | 'schedule' | 'isActive' | 'nextRunAt' | 'processingConfig'>;

/** Automation jobs, the due-time claim that fires them, and their runs. */
@Injectable()
export class AutomationRepository {
  constructor(private readonly dataSource: DataSource) {}

  newId(): string {
    return uuidv7();
  }

  private db(tx?: Transaction): Transaction {
    return tx ?? this.dataSource.manager;
  }

  async find(tx: Transaction | undefined, userId: string, id: string, lock = false): Promise<AutomationJobRow | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.db(tx).query(`SELECT ${JOB} FROM automation_jobs WHERE user_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`, [userId, id]);
    return rows[0] ?? null;
  }

  /** The user's jobs matching `filter` (text in the name or description, active or not), sorted, one page of them when `limit` is given. */
  async list(userId: string, filter: JobFilter = {}): Promise<AutomationJobRow[]> {
    const sort = filter.sort?.length ? filter.sort : [{ field: 'createdAt' as const, direction: 'desc' as const }];
    const order = sort.map((k) => `${SORT_COLUMNS[k.field]} ${k.direction === 'desc' ? 'DESC NULLS LAST' : 'ASC NULLS LAST'}`).join(', ');
    return this.db().query(
      `SELECT ${JOB} FROM automation_jobs WHERE ${FILTER} ORDER BY ${order}, id DESC LIMIT $4 OFFSET $5`,
      [userId, filter.search || null, filter.isActive ?? null, filter.limit ?? null, filter.offset ?? 0],
    );
  }

  async count(userId: string, filter: JobFilter = {}): Promise<number> {
    const rows = await this.db().query(`SELECT COUNT(*)::int AS n FROM automation_jobs WHERE ${FILTER}`, [userId, filter.search || null, filter.isActive ?? null]);
    return rows[0].n;
  }

  /** Holds the user's jobs until the transaction ends, so two creations cannot both pass the plan's maximum. */
  async lockUser(tx: Transaction, userId: string): Promise<number> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('automation_jobs:' || $1))`, [userId]);
    const rows = await tx.query(`SELECT COUNT(*)::int AS n FROM automation_jobs WHERE user_id = $1`, [userId]);
    return rows[0].n;
  }

  async nameTaken(tx: Transaction, userId: string, name: string, exceptId: string | null): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM automation_jobs WHERE user_id = $1 AND name = $2 AND id IS DISTINCT FROM $3::uuid LIMIT 1`, [userId, name, exceptId]);
    return rows.length > 0;
  }

  async insert(tx: Transaction, id: string, userId: string, job: JobFields): Promise<AutomationJobRow> {
    const rows = await tx.query(
      `INSERT INTO automation_jobs (id, user_id, name, description, source_ids, source_platforms, template_id, auto_run, sync_days, schedule, is_active, next_run_at, processing_config)
       VALUES ($1, $2, $3, $4, $5::uuid[], $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ${JOB}`,
      [id, userId, job.name, job.description, job.sourceIds, job.sourcePlatforms, job.templateId, job.autoRun, job.syncDays, JSON.stringify(job.schedule), job.isActive, job.nextRunAt, job.processingConfig],
    );
    return rows[0];
  }

  async update(tx: Transaction, id: string, job: JobFields): Promise<AutomationJobRow> {
    const [rows] = await tx.query(
      `UPDATE automation_jobs SET name = $2, description = $3, source_ids = $4::uuid[], source_platforms = $5, template_id = $6, auto_run = $7, sync_days = $8,
         schedule = $9, is_active = $10, next_run_at = $11, processing_config = $12, updated_at = now() WHERE id = $1 RETURNING ${JOB}`,
      [id, job.name, job.description, job.sourceIds, job.sourcePlatforms, job.templateId, job.autoRun, job.syncDays, JSON.stringify(job.schedule), job.isActive, job.nextRunAt, job.processingConfig],
    );
    return rows[0];
  }

  async delete(tx: Transaction, userId: string, id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    const [rows] = await tx.query(`DELETE FROM automation_jobs WHERE user_id = $1 AND id = $2 RETURNING id`, [userId, id]);
    return rows.length > 0;
  }

  /** Active jobs due at `now`, soonest first. */
  async due(now: Date, limit: number): Promise<{ id: string; userId: string; nextRunAt: Date }[]> {
    return this.db().query(
      `SELECT id, user_id AS "userId", next_run_at AS "nextRunAt" FROM automation_jobs WHERE is_active AND next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2`,
      [now, limit],
    );
  }

  /**
   * The due-time claim: moves the job from the due time this replica read to `next`. Only one
   * transaction can do that (the others find `next_run_at` moved on and update nothing), so the
   * run it writes in the same transaction is the only run for that due time.
   */
  async claim(tx: Transaction, id: string, dueAt: Date, next: Date | null, now: Date): Promise<AutomationJobRow | null> {
    const [rows] = await tx.query(
      `UPDATE automation_jobs SET next_run_at = $3, last_run_at = $4, run_count = run_count + 1 WHERE id = $1 AND is_active AND next_run_at = $2 RETURNING ${JOB}`,
      [id, dueAt, next, now],
    );
    return rows[0] ?? null;
  }

  /** A manual run: counted and dated like a scheduled one, the schedule left as it is. */
  async ranManually(tx: Transaction, id: string, now: Date): Promise<void> {
    await tx.query(`UPDATE automation_jobs SET last_run_at = $2, run_count = run_count + 1 WHERE id = $1`, [id, now]);
  }

  async insertRun(tx: Transaction, run: { id: string; jobId: string; userId: string; trigger: RunTrigger; dueAt: Date | null; startedAt: Date; sources: number }): Promise<void> {
    await tx.query(`INSERT INTO automation_job_runs (id, job_id, user_id, trigger, due_at, started_at, sources) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      run.id,
      run.jobId,
      run.userId,
      run.trigger,
      run.dueAt,
      run.startedAt,
      run.sources,
    ]);
  }

  async runs(tx: Transaction | undefined, userId: string, jobId: string, limit = 100, offset = 0): Promise<AutomationRunRow[]> {
    return this.db(tx).query(
      `SELECT ${RUN} FROM automation_job_runs r LEFT JOIN source_syncs s ON s.automation_run_id = r.id
       WHERE r.user_id = $1 AND r.job_id = $2 GROUP BY r.id ORDER BY r.started_at DESC, r.id DESC LIMIT $3 OFFSET $4`,
      [userId, jobId, limit, offset],
    );
  }

  async countRuns(userId: string, jobId: string): Promise<number> {
    const rows = await this.db().query(`SELECT COUNT(*)::int AS n FROM automation_job_runs WHERE user_id = $1 AND job_id = $2`, [userId, jobId]);
    return rows[0].n;
  }

  /** One run with its counts. */
  async run(tx: Transaction | undefined, runId: string): Promise<AutomationRunRow | null> {
    const rows = await this.db(tx).query(`SELECT ${RUN} FROM automation_job_runs r LEFT JOIN source_syncs s ON s.automation_run_id = r.id WHERE r.id = $1 GROUP BY r.id`, [runId]);
    return rows[0] ?? null;
  }

  /** The active sources a job syncs: the ones it names, else all of its kinds, else all (with or without a credential), never LOCAL. */
  async sourcesOf(tx: Transaction | undefined, job: Pick<AutomationJobRow, 'userId' | 'sourceIds' | 'sourcePlatforms'>): Promise<{ id: string; platform: string }[]> {
    return this.db(tx).query(
      `SELECT id, platform FROM input_sources WHERE user_id = $1 AND is_active AND platform <> 'LOCAL'
         AND (cardinality($2::uuid[]) = 0 OR id = ANY($2::uuid[])) AND (cardinality($3::text[]) = 0 OR platform = ANY($3::text[]))
       ORDER BY created_at, id`,
      [job.userId, job.sourceIds, job.sourcePlatforms],
    );
  }
}
