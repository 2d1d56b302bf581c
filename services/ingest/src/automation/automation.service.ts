import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { MESSAGE_TYPES, type SyncSource } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, newMessageId, type UntypedMessages } from '@leap/messaging';
import { SERVICE_CONFIG } from '@leap/platform';
import { Clock } from '../clock.service';
import type { IngestConfig } from '../config/config.schema';
import type { PipelineTx } from '../pipeline/pipeline.service';
import type { Transaction } from '../recordings/recording.repository';
import { SOURCE_PLATFORMS } from '../sources/source-config';
import { SourcesRepository } from '../sources/sources.repository';
import { firstMatch } from '../templates/matching-rules';
import { checkedJobProcessing } from '../templates/template-fields';
import { TemplatesRepository } from '../templates/templates.repository';
import { AutomationRepository, type AutomationJobRow, type JobFilter, type AutomationRunRow, type RunTrigger } from './automation.repository';
import { nextRunAt, parseSchedule, shortestGapHours, type AutomationSchedule } from './schedule';

/** What a client sends to create or change a job (absent fields keep their value on update). */
export interface AutomationJobInput {
  name?: string;
  description?: string;
  /** Source ids, or kinds of source (all the user's active sources of those platforms); neither: every active source. */
  sources?: { ids?: string[]; platforms?: string[] };
  /** The template new recordings are bound to; absent or null: they are matched against the templates. */
  templateId?: string | null;
  /** Whether new recordings start their pipeline at once. */
  autoRun?: boolean;
  /** Each run syncs this many days back (1–30, default 2). */
  syncDays?: number;
  schedule?: unknown;
  isActive?: boolean;
  /** A template's processingConfig shape given to the recordings its syncs bring in, as their manual override; null clears it. */
  processingConfig?: unknown;
}

export interface AutomationJobView {
  id: string;
  name: string;
  description: string;
  sources: { ids: string[]; platforms: string[] };
  templateId: string | null;
  autoRun: boolean;
  syncDays: number;
  schedule: AutomationSchedule;
  isActive: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  runCount: number;
  createdAt: string;
  updatedAt: string;
  processingConfig: Record<string, unknown>;
}

export interface AutomationRunView {
  id: string;
  jobId: string;
  trigger: RunTrigger;
  status: 'RUNNING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
  dueAt: string | null;
  startedAt: string;
  finishedAt: string | null;
  /** Sources the run queued a sync for, and how many of those syncs succeeded. */
  sources: number;
  synced: number;
  failed: number;
  /** Items the sources listed, recordings they created, refreshed, bound to a template, started, and left alone. */
  found: number;
  new: number;
  updated: number;
  matched: number;
  started: number;
  skipped: number;
}

/** What a run would do now, counted without changing anything. */
export interface AutomationDryRun {
  dryRun: true;
  /** Sources a run would sync. */
  sources: number;
  /** Recordings of those sources waiting to be processed (INITIALIZED, not bound), in the job's window. */
  recordings: number;
  /** Of those, how many the job would bind to a template, and how many it would start. */
  matched: number;
  started: number;
}

/** A user's limits on jobs: how many they may keep, the shortest gap between two fires (hours); null is unlimited. */
export interface AutomationLimits {
  maxJobs: number | null;
  minIntervalHours: number | null;
}

const DAY = 86_400_000;
const MAX_SOURCE_IDS = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const invalid = (message: string) => new LeapError('AUTOMATION.INVALID', message, { status: 422 });
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export function jobView(row: AutomationJobRow): AutomationJobView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    sources: { ids: row.sourceIds, platforms: row.sourcePlatforms },
    templateId: row.templateId,
    autoRun: row.autoRun,
    syncDays: row.syncDays,
    schedule: row.schedule,
    isActive: row.isActive,
    nextRunAt: iso(row.nextRunAt),
    lastRunAt: iso(row.lastRunAt),
    runCount: row.runCount,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    processingConfig: row.processingConfig ?? {},
  };
}

export function runView(row: AutomationRunRow): AutomationRunView {
  const over = row.pending === 0;
  const status = !over ? 'RUNNING' : row.failed === 0 ? 'SUCCEEDED' : row.synced > 0 ? 'PARTIAL' : 'FAILED';
  return {
    id: row.id,
    jobId: row.jobId,
    trigger: row.trigger,
    status,
    dueAt: iso(row.dueAt),
    startedAt: iso(row.startedAt)!,
    finishedAt: over ? (iso(row.lastFinishedAt) ?? iso(row.startedAt)) : null,
    sources: row.sources,
    synced: row.synced,
    failed: row.failed,
    found: row.found,
    new: row.created,
    updated: row.updated,
    matched: row.matched,
    started: row.started,
    skipped: row.skipped,
  };
}

/**
 * Automation jobs: CRUD under the plan's limits (how many jobs, how often they may fire), manual
 * and dry runs, run history, and the fire itself. A run queues one source sync per source in the
 * transaction that writes the run (and, when scheduled, claims its due time); each sync then runs
 * as a durable job, applies the job's auto run and template to what it creates, and its counts
 * make up the run's history.
 */
@Injectable()
export class AutomationService {
  /** The limits of a user without a plan: AUTOMATION_MAX_JOBS and AUTOMATION_MIN_INTERVAL. */
  private readonly defaults: AutomationLimits;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: MessageBus<UntypedMessages>,
    private readonly jobs: AutomationRepository,
    private readonly sources: SourcesRepository,
    private readonly templates: TemplatesRepository,
    private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
  ) {
    this.defaults = { maxJobs: config.AUTOMATION_MAX_JOBS, minIntervalHours: config.AUTOMATION_MIN_INTERVAL / 3_600_000 };
  }

  /**
   * Creates a job under `limits` (the user's plan, as the gateway learned it from quota; without
   * them, the settings). The count is taken under a per-user lock held to the end of the
   * transaction, so two creations at once cannot both take the last place.
   */
  create(userId: string, input: AutomationJobInput, limits?: AutomationLimits, tx?: EntityManager): Promise<AutomationJobView> {
    return this.inTransaction(tx, async (tx) => {
      const count = await this.jobs.lockUser(tx, userId);
      this.checkRoom(count, limits ?? this.defaults);
      const fields = await this.fields(tx, userId, null, input, limits ?? this.defaults);
      return jobView(await this.jobs.insert(tx, this.jobs.newId(), userId, fields));
    });
  }

  update(userId: string, jobId: string, input: AutomationJobInput, limits?: AutomationLimits, tx?: EntityManager): Promise<AutomationJobView> {
    return this.inTransaction(tx, async (tx) => {
      const row = await this.owned(tx, userId, jobId, true);
      const fields = await this.fields(tx, userId, row, input, limits ?? this.defaults);
      return jobView(await this.jobs.update(tx, row.id, fields));
    });
  }

  async get(userId: string, jobId: string): Promise<AutomationJobView> {
    return jobView(await this.owned(undefined, userId, jobId));
  }

  async list(userId: string, filter: JobFilter = {}): Promise<AutomationJobView[]> {
    return (await this.jobs.list(userId, filter)).map(jobView);
  }

  /** A page of the user's jobs and how many match the filter. */
  async page(userId: string, filter: JobFilter): Promise<{ jobs: AutomationJobView[]; total: number }> {
    const [rows, total] = await Promise.all([this.jobs.list(userId, filter), this.jobs.count(userId, filter)]);
    return { jobs: rows.map(jobView), total };
  }

  delete(userId: string, jobId: string, tx?: EntityManager): Promise<boolean> {
    return this.inTransaction(tx, (tx) => this.jobs.delete(tx, userId, jobId));
  }

  /** A copy named "<name> (copy)" (then "(copy 2)"…), inactive until its owner turns it on, as in the reference. */
  copy(userId: string, jobId: string, limits?: AutomationLimits, tx?: EntityManager): Promise<AutomationJobView> {
    return this.inTransaction(tx, async (tx) => {
      const count = await this.jobs.lockUser(tx, userId);
      const row = await this.owned(tx, userId, jobId);
      this.checkRoom(count, limits ?? this.defaults);
      let name = `${row.name} (copy)`;
      for (let n = 2; await this.jobs.nameTaken(tx, userId, name, null); n += 1) name = `${row.name} (copy ${n})`;
      return jobView(await this.jobs.insert(tx, this.jobs.newId(), userId, { ...row, name, isActive: false, nextRunAt: null }));
    });
  }

  async runs(userId: string, jobId: string, page: { offset?: number; limit?: number } = {}): Promise<AutomationRunView[]> {
    return (await this.runsPage(userId, jobId, page)).runs;
  }

  /** A page of a job's runs, newest first, and how many it has. */
  async runsPage(userId: string, jobId: string, page: { offset?: number; limit?: number } = {}): Promise<{ runs: AutomationRunView[]; total: number }> {
    await this.owned(undefined, userId, jobId);
    const [rows, total] = await Promise.all([this.jobs.runs(undefined, userId, jobId, page.limit ?? 100, page.offset ?? 0), this.jobs.countRuns(userId, jobId)]);
    return { runs: rows.map(runView), total };
  }

  /** A manual run, now, whatever the schedule (an inactive job too: its owner asked). */
  run(userId: string, jobId: string, tx?: EntityManager): Promise<AutomationRunView> {
    return this.inTransaction(tx, async (manager) => {
      const job = await this.owned(manager, userId, jobId, true);
      const now = this.clock.now();
      await this.jobs.ranManually(manager, job.id, now);
      const runId = await this.start(this.outbox(manager), job, 'MANUAL', null, now);
      return runView((await this.jobs.run(manager, runId))!);
    });
  }

  /** What a run would sync, match and start, now: reads only. */
  async dryRun(userId: string, jobId: string): Promise<AutomationDryRun> {
    const job = await this.owned(undefined, userId, jobId);
    const sources = await this.jobs.sourcesOf(undefined, job);
    const since = this.clock.now().getTime() - job.syncDays * DAY;
    const candidates = [];
    for (const source of sources) {
      const rows = await this.templates.recordings(undefined, userId, { onlyUnbound: true, sourceId: source.id });
      candidates.push(...rows.filter((r) => r.status === 'INITIALIZED'));
    }
    const created = new Map((await this.recordingTimes(candidates.map((c) => c.id))).map((r) => [r.id, r.createdAt.getTime()]));
    const inWindow = candidates.filter((c) => (created.get(c.id) ?? 0) >= since);
    const templates = job.templateId ? [] : await this.templates.list(undefined, userId);
    const matched = job.templateId ? inWindow.length : inWindow.filter((r) => firstMatch(templates, r) !== null).length;
    return { dryRun: true, sources: sources.length, recordings: inWindow.length, matched, started: job.autoRun ? inWindow.length : 0 };
  }

  /**
   * Fires one due job if this replica wins its due time. The next due time is computed from `now`,
   * not from the missed one: a job whose fires were missed while no replica ran fires once, then
   * keeps to its schedule.
   */
  fire(jobId: string, dueAt: Date, now: Date): Promise<string | null> {
    return this.dataSource.transaction(async (manager) => {
      const schedule = await manager.query(`SELECT schedule FROM automation_jobs WHERE id = $1`, [jobId]);
      if (schedule.length === 0) return null;
      const next = nextRunAt(schedule[0].schedule as AutomationSchedule, now);
      const job = await this.jobs.claim(manager, jobId, dueAt, next, now);
      if (!job) return null;
      return this.start(this.outbox(manager), job, 'SCHEDULE', dueAt, now);
    });
  }

  /** The run row and one sync (row and `SyncSource` command, accepted as a job) per source, in the caller's transaction. */
  private async start(tx: PipelineTx, job: AutomationJobRow, trigger: RunTrigger, dueAt: Date | null, now: Date): Promise<string> {
    const sources = await this.jobs.sourcesOf(tx.manager, job);
    const runId = newMessageId();
    await this.jobs.insertRun(tx.manager, { id: runId, jobId: job.id, userId: job.userId, trigger, dueAt, startedAt: now, sources: sources.length });
    const toDate = now.toISOString().slice(0, 10);
    const fromDate = new Date(now.getTime() - job.syncDays * DAY).toISOString().slice(0, 10);
    for (const source of sources) {
      const sync = await this.sources.insertSync(tx.manager, {
        id: newMessageId(),
        userId: job.userId,
        sourceId: source.id,
        fromDate,
        toDate,
        automationRunId: runId,
        autoRun: job.autoRun,
        templateId: job.templateId,
        processingConfig: Object.keys(job.processingConfig ?? {}).length > 0 ? job.processingConfig : null,
      });
      const cmd: SyncSource = { syncId: sync.id, userId: job.userId, sourceId: source.id };
      await tx.send(MESSAGE_TYPES.ingest.SyncSource, cmd, { subject: source.id, tenant: job.userId });
    }
    return runId;
  }

  private async recordingTimes(ids: string[]): Promise<{ id: string; createdAt: Date }[]> {
    if (ids.length === 0) return [];
    return this.dataSource.query(`SELECT id, created_at AS "createdAt" FROM recordings WHERE id = ANY($1::uuid[])`, [ids]);
  }

  private outbox(manager: EntityManager): PipelineTx {
    return {
      manager,
      publish: (type, data, options) => this.bus.publish(manager, type, data as never, options),
      send: (type, data, options) => this.bus.send(manager, type, data as never, options),
    };
  }

  private inTransaction<T>(tx: EntityManager | undefined, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return tx ? work(tx) : this.dataSource.transaction(work);
  }

  /** One more job fits under `limits.maxJobs`, or a 409 that says how many the user has. */
  private checkRoom(count: number, limits: AutomationLimits): void {
    if (limits.maxJobs !== null && count >= limits.maxJobs) {
      throw new LeapError('AUTOMATION.LIMIT_REACHED', `Your plan allows ${limits.maxJobs} automation jobs and you have ${count}`, {
        status: 409,
        details: { limit: limits.maxJobs, used: count },
      });
    }
  }

  private async owned(tx: Transaction | undefined, userId: string, jobId: string, lock = false): Promise<AutomationJobRow> {
    const row = await this.jobs.find(tx, userId, jobId, lock);
    if (!row) throw new LeapError('AUTOMATION.NOT_FOUND', `There is no automation job ${jobId}`, { status: 404 });
    return row;
  }

  /** The job's fields after `input`, each checked; the schedule against the plan's minimum interval. */
  private async fields(tx: Transaction, userId: string, row: AutomationJobRow | null, input: AutomationJobInput, limits: AutomationLimits) {
    const name = input.name !== undefined ? checkedName(input.name) : row ? row.name : checkedName(undefined);
    const description = input.description !== undefined ? checkedDescription(input.description) : (row?.description ?? '');
    const sourceIds = input.sources?.ids !== undefined ? checkedIds(input.sources.ids) : (row?.sourceIds ?? []);
    const sourcePlatforms = input.sources?.platforms !== undefined ? checkedPlatforms(input.sources.platforms) : (row?.sourcePlatforms ?? []);
    const templateId = input.templateId !== undefined ? input.templateId || null : (row?.templateId ?? null);
    const autoRun = input.autoRun !== undefined ? checkedBoolean('autoRun', input.autoRun) : (row?.autoRun ?? false);
    const isActive = input.isActive !== undefined ? checkedBoolean('isActive', input.isActive) : (row?.isActive ?? true);
    const syncDays = input.syncDays !== undefined ? checkedSyncDays(input.syncDays) : (row?.syncDays ?? 2);
    const processingConfig = input.processingConfig !== undefined ? checkedJobProcessing(input.processingConfig) : (row?.processingConfig ?? {});
    if (input.schedule === undefined && !row) throw new LeapError('AUTOMATION.INVALID_SCHEDULE', 'schedule: is required', { status: 422 });
    const schedule = input.schedule !== undefined ? parseSchedule(input.schedule) : row!.schedule;
    const now = this.clock.now();
    // Checked when the schedule is set: a plan lowered later does not lock its user out of their other fields.
    const gap = input.schedule !== undefined || !row ? shortestGapHours(schedule, now) : Infinity;
    if (limits.minIntervalHours !== null && gap < limits.minIntervalHours) {
      throw new LeapError('AUTOMATION.INTERVAL_TOO_SHORT', `schedule: fires ${formatHours(gap)} apart; your plan allows at least ${formatHours(limits.minIntervalHours)} between runs`, {
        status: 422,
        details: { minIntervalHours: limits.minIntervalHours, intervalHours: Number(gap.toFixed(4)) },
      });
    }
    for (const id of sourceIds) {
      if (!(await this.sources.find(tx, userId, id))) throw new LeapError('SOURCE.NOT_FOUND', `sources.ids: there is no source ${id}`, { status: 422 });
    }
    if (templateId && !(await this.templates.find(tx, userId, templateId))) {
      throw new LeapError('TEMPLATE.NOT_FOUND', `templateId: there is no template ${templateId}`, { status: 422 });
    }
    if (await this.jobs.nameTaken(tx, userId, name, row?.id ?? null)) {
      throw new LeapError('AUTOMATION.DUPLICATE', `You already have an automation job named ${name}`, { status: 409 });
    }
    // The next fire moves only when the schedule changes or the job is turned on; otherwise a due time in flight stays claimable.
    const rescheduled = !row || input.schedule !== undefined || (isActive && !row.isActive) || row.nextRunAt === null;
    const next = rescheduled ? nextRunAt(schedule, now) : row.nextRunAt;
    return { name, description, sourceIds, sourcePlatforms, templateId, autoRun, syncDays, schedule, isActive, nextRunAt: next, processingConfig };
  }
}

function formatHours(hours: number): string {
  if (hours >= 1) return `${Number(hours.toFixed(2))} h`;
  return `${Number((hours * 60).toFixed(2))} min`;
}

function checkedName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (trimmed.length < 3 || trimmed.length > 255) throw invalid('name: must be 3 to 255 characters');
  return trimmed;
}

function checkedDescription(text: unknown): string {
  if (typeof text !== 'string') throw invalid('description: must be text');
  if (text.trim().length > 2000) throw invalid('description: must be at most 2000 characters');
  return text.trim();
}

function checkedIds(ids: unknown): string[] {
  if (!Array.isArray(ids) || ids.length > MAX_SOURCE_IDS || ids.some((id) => typeof id !== 'string' || !UUID.test(id))) {
    throw invalid(`sources.ids: must list at most ${MAX_SOURCE_IDS} source ids`);
  }
  return [...new Set(ids as string[])];
}

function checkedPlatforms(platforms: unknown): string[] {
  const syncable = SOURCE_PLATFORMS.filter((p) => p !== 'LOCAL');
  if (!Array.isArray(platforms) || platforms.some((p) => !syncable.includes(p))) throw invalid(`sources.platforms: must list platforms among ${syncable.join(', ')}`);
  return [...new Set(platforms as string[])];
}

function checkedBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(`${field}: must be true or false`);
  return value;
}

function checkedSyncDays(days: unknown): number {
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 30) throw invalid('syncDays: must be a whole number from 1 to 30');
  return days;
}
