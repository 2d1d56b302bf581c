import type { DataSource, EntityManager } from 'typeorm';
import { afterCommit, quoteIdent } from '@leap/persistence';
import { wakeLocalRunner } from './local-runners';
import type { Envelope } from '@leap/messaging';
import { jobsChannel, type JobState } from './jobs.sql';

/** A job row as the runner and the operators' view see it. */
export interface JobRecord {
  id: string;
  kind: string;
  tenant: string;
  subject: string | null;
  state: JobState;
  messageId: string;
  envelope: Envelope;
  weight: number;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  leaseToken: string | null;
  leaseOwner: string | null;
  leaseUntil: Date | null;
  progress: number | null;
  step: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  cancelReason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface EnqueueInput {
  id: string;
  kind: string;
  tenant: string;
  subject?: string;
  envelope: Envelope;
  maxAttempts: number;
  weight?: number;
}

export interface JobFilter {
  kinds?: string[];
  states?: JobState[];
  tenant?: string;
  subject?: string;
  limit?: number;
}

type Row = Record<string, unknown>;

function toRecord(row: Row): JobRecord {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    id: row.id as string,
    kind: row.kind as string,
    tenant: row.tenant as string,
    subject: (row.subject as string | null) ?? null,
    state: row.state as JobState,
    messageId: row.message_id as string,
    envelope: row.envelope as Envelope,
    weight: Number(row.weight),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    runAt: new Date(row.run_at as string),
    leaseToken: (row.lease_token as string | null) ?? null,
    leaseOwner: (row.lease_owner as string | null) ?? null,
    leaseUntil: date(row.lease_until),
    progress: row.progress === null || row.progress === undefined ? null : Number(row.progress),
    step: (row.step as string | null) ?? null,
    errorCode: (row.error_code as string | null) ?? null,
    errorMessage: (row.error_message as string | null) ?? null,
    cancelReason: (row.cancel_reason as string | null) ?? null,
    createdAt: new Date(row.created_at as string),
    startedAt: date(row.started_at),
    updatedAt: new Date(row.updated_at as string),
    finishedAt: date(row.finished_at),
  };
}

/**
 * The SQL of the job model, on one service schema. Every state change but `enqueue` and `cancel`
 * runs on its own short autocommit statement, or inside the outcome transaction the runner opens;
 * nothing here holds a transaction while work runs.
 */
export class JobStore {
  private readonly t: string;
  readonly channel: string;

  constructor(
    private readonly dataSource: DataSource,
    readonly schema: string,
  ) {
    this.t = `${quoteIdent(schema)}.jobs`;
    this.channel = jobsChannel(schema);
  }

  /** In the caller's transaction (the one that records the command in the inbox). */
  async enqueue(manager: EntityManager, input: EnqueueInput): Promise<boolean> {
    const rows: Row[] = await manager.query(
      `INSERT INTO ${this.t} (id, kind, tenant, subject, message_id, envelope, max_attempts, weight)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (message_id, kind) DO NOTHING RETURNING id`,
      [input.id, input.kind, input.tenant, input.subject ?? null, input.envelope.id, JSON.stringify(input.envelope), input.maxAttempts, input.weight ?? 1],
    );
    if (rows.length > 0) {
      const { schema, channel, kind } = { schema: this.schema, channel: this.channel, kind: input.kind };
      afterCommit(manager, `${channel}:wake:${kind}`, (queryRunner) => {
        // A runner of this process with a free slot claims it at once; otherwise the others hear of it.
        if (wakeLocalRunner(schema, kind)) return;
        return queryRunner.query(`SELECT pg_notify($1, $2)`, [channel, `wake:${kind}`]);
      });
    }
    return rows.length > 0;
  }

  /**
   * Claims up to `limit` jobs of `kind` for a lease: queued jobs that are due, or running ones
   * whose lease lapsed (their worker died). Fair share: the candidates are each tenant's oldest
   * few ready jobs, ranked by (the tenant's running jobs + the job's place in its tenant's line)
   * / weight; ties go to the tenant served least recently (never first), then to the oldest job.
   * So a tenant with a backlog and one with a fresh upload alternate even with one slot, and a
   * batch of claims interleaves tenants the same way. Tenants are found by a loose index scan and
   * each one's line read from the index, so a claim costs O(tenants · log jobs), not O(jobs).
   * `attempts` counts claims, so a job that keeps killing its worker stops at its limit.
   * `perTenant` caps the running jobs of one tenant (all replicas together; two replicas claiming
   * at the same moment may each take the last place): its further jobs wait even when slots are
   * free, so a tenant whose jobs hang cannot take every slot.
   */
  async claim(kind: string, token: string, owner: string, leaseMs: number, limit = 1, perTenant?: number): Promise<JobRecord[]> {
    const rows: Row[] = await this.dataSource.query(
      `WITH RECURSIVE tenants AS (
         (SELECT tenant FROM ${this.t} WHERE kind = $1 AND state = 'queued' ORDER BY tenant LIMIT 1)
         UNION ALL
         SELECT (SELECT j.tenant FROM ${this.t} j WHERE j.kind = $1 AND j.state = 'queued' AND j.tenant > t.tenant ORDER BY j.tenant LIMIT 1)
         FROM tenants t WHERE t.tenant IS NOT NULL
       ), ready AS (
         SELECT x.id, x.tenant, x.created_at, x.weight, x.pos
         FROM tenants t CROSS JOIN LATERAL (
           SELECT q.id, q.tenant, q.created_at, q.weight, row_number() OVER (ORDER BY q.created_at, q.id) AS pos
           FROM ${this.t} q WHERE q.kind = $1 AND q.state = 'queued' AND q.tenant = t.tenant AND q.run_at <= now()
           ORDER BY q.created_at, q.id LIMIT $5
         ) x
         WHERE t.tenant IS NOT NULL
         UNION ALL
         SELECT id, tenant, created_at, weight, 1 FROM ${this.t} WHERE kind = $1 AND state = 'running' AND lease_until <= now()
       ), running AS (
         SELECT tenant, count(*)::float8 AS n FROM ${this.t}
         WHERE kind = $1 AND state = 'running' AND lease_until > now() GROUP BY tenant
       ), served AS (
         SELECT t.tenant, (SELECT max(started_at) FROM ${this.t} x WHERE x.kind = $1 AND x.tenant = t.tenant AND x.started_at IS NOT NULL) AS last_started
         FROM (SELECT DISTINCT tenant FROM ready) t
       ), ranked AS (
         SELECT r.id, (coalesce(n.n, 0) + r.pos - 1) / r.weight AS share, s.last_started, r.created_at
         FROM ready r LEFT JOIN running n USING (tenant) LEFT JOIN served s USING (tenant)
         WHERE $6::int IS NULL OR coalesce(n.n, 0) + r.pos <= $6
       ), pick AS (
         SELECT j.id FROM ${this.t} j JOIN ranked k ON k.id = j.id
         WHERE (j.state = 'queued' AND j.run_at <= now()) OR (j.state = 'running' AND j.lease_until <= now())
         ORDER BY k.share, k.last_started NULLS FIRST, k.created_at, j.id
         LIMIT $5 FOR UPDATE OF j SKIP LOCKED
       ), claimed AS (
         UPDATE ${this.t} j SET state = 'running', attempts = j.attempts + 1, lease_token = $2, lease_owner = $3,
           lease_until = now() + ($4::int * interval '1 millisecond'), started_at = coalesce(j.started_at, now()),
           progress = NULL, step = NULL, updated_at = now()
         FROM pick WHERE j.id = pick.id RETURNING j.*
       )
       SELECT * FROM claimed`,
      [kind, token, owner, leaseMs, Math.max(1, limit), perTenant ?? null],
    );
    return rows.map(toRecord);
  }

  /** Renews the lease and records progress; false when the job is no longer this claim's (cancelled, or taken over). */
  async heartbeat(id: string, token: string, leaseMs: number, progress?: { percent: number; step?: string }): Promise<boolean> {
    const rows: Row[] = await this.dataSource.query(
      `WITH u AS (
         UPDATE ${this.t} SET lease_until = now() + ($3::int * interval '1 millisecond'), updated_at = now(),
           progress = coalesce($4::real, progress), step = coalesce($5, step)
         WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING id
       ) SELECT id FROM u`,
      [id, token, leaseMs, progress?.percent ?? null, progress?.step ?? null],
    );
    return rows.length > 0;
  }

  /** Inside the outcome transaction: marks the job done; false when this claim no longer holds it (its result is then discarded). */
  async complete(manager: EntityManager, id: string, token: string): Promise<boolean> {
    return this.finish(manager, id, token, `state = 'completed', progress = 100, error_code = NULL, error_message = NULL`, []);
  }

  /** Inside the outcome transaction: the job failed for good. */
  async fail(manager: EntityManager, id: string, token: string | null, code: string, message: string): Promise<boolean> {
    return this.finish(manager, id, token, `state = 'failed', error_code = $3, error_message = $4`, [code, message.slice(0, 4000)]);
  }

  private async finish(manager: EntityManager, id: string, token: string | null, set: string, params: unknown[]): Promise<boolean> {
    const rows: Row[] = await manager.query(
      `WITH u AS (
         UPDATE ${this.t} SET ${set}, finished_at = now(), updated_at = now(), lease_token = NULL, lease_until = NULL
         WHERE id = $1 AND lease_token IS NOT DISTINCT FROM $2 AND state = 'running' RETURNING id
       ) SELECT id FROM u`,
      [id, token, ...params],
    );
    return rows.length > 0;
  }

  /** Back in line after a retryable failure, due after `delayMs`. */
  async retry(id: string, token: string, delayMs: number, code: string, message: string): Promise<boolean> {
    const rows: Row[] = await this.dataSource.query(
      `WITH u AS (
         UPDATE ${this.t} SET state = 'queued', run_at = now() + ($3::int * interval '1 millisecond'), lease_token = NULL,
           lease_owner = NULL, lease_until = NULL, error_code = $4, error_message = $5, updated_at = now()
         WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING id
       ) SELECT id FROM u`,
      [id, token, Math.round(delayMs), code, message.slice(0, 4000)],
    );
    return rows.length > 0;
  }

  /** Gives a job back at once without counting the attempt (a replica shutting down). */
  async release(id: string, token: string): Promise<boolean> {
    const rows: Row[] = await this.dataSource.query(
      `WITH u AS (
         UPDATE ${this.t} SET state = 'queued', run_at = now(), attempts = greatest(attempts - 1, 0), lease_token = NULL,
           lease_owner = NULL, lease_until = NULL, updated_at = now()
         WHERE id = $1 AND lease_token = $2 AND state = 'running' RETURNING id
       ) SELECT id FROM u`,
      [id, token],
    );
    return rows.length > 0;
  }

  /**
   * In the caller's transaction: cancels every queued or running job about `subject`. The runners
   * hear of it by a NOTIFY sent once the transaction has committed, and stop the work (a runner that
   * misses it finds out at its next heartbeat); a late result finds the job
   * no longer running and is discarded. Returns the ids cancelled.
   */
  async cancelSubject(manager: EntityManager, subject: string, reason: string): Promise<string[]> {
    const rows: Row[] = await manager.query(
      `WITH u AS (
         UPDATE ${this.t} SET state = 'cancelled', cancel_reason = $2, finished_at = now(), updated_at = now(),
           lease_token = NULL, lease_until = NULL
         WHERE subject = $1 AND state IN ('queued', 'running') RETURNING id
       ) SELECT id FROM u`,
      [subject, reason.slice(0, 500)],
    );
    const ids = rows.map((r) => r.id as string);
    if (ids.length > 0) {
      const channel = this.channel;
      afterCommit(manager, `${channel}:cancel:${ids.join(',')}`, async (queryRunner) => {
        // A NOTIFY payload holds up to 8000 bytes: about 200 ids at a time.
        for (let i = 0; i < ids.length; i += 200) {
          await queryRunner.query(`SELECT pg_notify($1, $2)`, [channel, `cancel:${ids.slice(i, i + 200).join(',')}`]);
        }
      });
    }
    return ids;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const rows: Row[] = await this.dataSource.query(`SELECT * FROM ${this.t} WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The jobs an operator asks for, newest first, and the counts per state under the same filter (state aside). */
  async list(filter: JobFilter): Promise<{ jobs: JobRecord[]; counts: Record<JobState, number> }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.kinds?.length) add('kind = ANY(?)', filter.kinds);
    if (filter.tenant) add('tenant = ?', filter.tenant);
    if (filter.subject) add('subject = ?', filter.subject);
    const base = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const countRows: Row[] = await this.dataSource.query(`SELECT state, count(*)::int AS n FROM ${this.t} ${base} GROUP BY state`, params);
    const counts = { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 } as Record<JobState, number>;
    for (const row of countRows) counts[row.state as JobState] = Number(row.n);
    const listParams = [...params];
    let listWhere = base;
    if (filter.states?.length) {
      listParams.push(filter.states);
      listWhere = `${base ? `${base} AND` : 'WHERE'} state = ANY($${listParams.length})`;
    }
    listParams.push(Math.min(Math.max(filter.limit ?? 100, 1), 1000));
    const rows: Row[] = await this.dataSource.query(
      `SELECT * FROM ${this.t} ${listWhere} ORDER BY created_at DESC, id DESC LIMIT $${listParams.length}`,
      listParams,
    );
    return { jobs: rows.map(toRecord), counts };
  }

  /** Deletes finished jobs older than `retentionMs`, a batch at a time; returns how many went. */
  async prune(retentionMs: number, batch = 1000): Promise<number> {
    const rows: Row[] = await this.dataSource.query(
      `WITH d AS (
         DELETE FROM ${this.t} WHERE id IN (
           SELECT id FROM ${this.t} WHERE finished_at < now() - ($1::bigint * interval '1 millisecond') LIMIT $2
         ) RETURNING id
       ) SELECT count(*)::int AS n FROM d`,
      [retentionMs, batch],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
