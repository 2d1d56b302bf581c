import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AutomationSubscription, SubscriptionLimits } from './limits';

/** The transaction a repository call runs in: a handler's `ctx.manager`. */
export type Transaction = EntityManager;

export type ReservationStatus = 'reserved' | 'committed' | 'released' | 'denied';

export interface ReservationRow {
  id: string;
  userId: string;
  period: string;
  idempotencyKey: string;
  status: ReservationStatus;
  metric: string;
  limit: number | null;
  used: number;
  reason: string | null;
  expiresAt: Date | null;
}

const RESERVATION_COLUMNS = `id, user_id, period, idempotency_key, status, metric, limit_value, used_value, reason, expires_at`;

function toReservation(row: Record<string, unknown>): ReservationRow {
  return {
    id: row.id as string,
    userId: row.user_id as string,
    period: row.period as string,
    idempotencyKey: row.idempotency_key as string,
    status: row.status as ReservationStatus,
    metric: row.metric as string,
    limit: row.limit_value === null ? null : Number(row.limit_value),
    used: Number(row.used_value),
    reason: (row.reason as string | null) ?? null,
    expiresAt: (row.expires_at as Date | null) ?? null,
  };
}

/** Rows of an `UPDATE ... RETURNING`, which the driver reports as `[rows, count]`. */
function returned(result: unknown[]): Record<string, unknown>[] {
  return (Array.isArray(result[0]) ? result[0] : result) as Record<string, unknown>[];
}

/** The metrics counted per month and checked by `CheckUsage`: the plan's limit column and the usage column of each. */
export const MONTHLY_COLUMNS = {
  TRANSCRIPTIONS: { limitColumn: 'transcriptions_per_month', countColumn: 'transcriptions_count' },
  PROCESSING: { limitColumn: 'processing_per_month', countColumn: 'processing_count' },
} as const;
export type MonthlyMetric = keyof typeof MONTHLY_COLUMNS;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Plans, subscriptions, usage and reservations of the quota schema. */
@Injectable()
export class QuotaRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Serialises every admission decision and settlement of one user until the transaction ends. */
  async lockUser(tx: Transaction, userId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`quota:user:${userId}`]);
  }

  async subscriptionLimits(tx: Transaction, userId: string, at: Date): Promise<SubscriptionLimits | undefined> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT p.recordings_per_month, p.storage_bytes, s.custom_recordings_per_month, s.custom_storage_bytes
         FROM subscriptions s JOIN plans p ON p.name = s.plan_name
        WHERE s.user_id = $1 AND s.starts_at <= $2 AND (s.expires_at IS NULL OR s.expires_at > $2)`,
      [userId, at],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      planRecordingsPerMonth: num(row.recordings_per_month),
      planStorageBytes: num(row.storage_bytes),
      customRecordingsPerMonth: num(row.custom_recordings_per_month),
      customStorageBytes: num(row.custom_storage_bytes),
    };
  }

  /** The automation limits of the user's subscription in force at `at`, with its plan's. */
  async automationSubscription(tx: Transaction, userId: string, at: Date): Promise<AutomationSubscription | undefined> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT p.name, p.automation_jobs, p.min_automation_interval_hours, s.custom_automation_jobs, s.custom_min_automation_interval_hours
         FROM subscriptions s JOIN plans p ON p.name = s.plan_name
        WHERE s.user_id = $1 AND s.starts_at <= $2 AND (s.expires_at IS NULL OR s.expires_at > $2)`,
      [userId, at],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      plan: row.name as string,
      planJobs: num(row.automation_jobs),
      planMinIntervalHours: num(row.min_automation_interval_hours),
      customJobs: num(row.custom_automation_jobs),
      customMinIntervalHours: num(row.custom_min_automation_interval_hours),
    };
  }

  /** The plan's monthly limit of a metric counted per month, of the user's subscription in force at `at`; undefined without one (NULL: unlimited). */
  async monthlyLimit(tx: Transaction, metric: MonthlyMetric, userId: string, at: Date): Promise<{ limit: number | null } | undefined> {
    const { limitColumn } = MONTHLY_COLUMNS[metric];
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT p.${limitColumn} AS limit_value FROM subscriptions s JOIN plans p ON p.name = s.plan_name
        WHERE s.user_id = $1 AND s.starts_at <= $2 AND (s.expires_at IS NULL OR s.expires_at > $2)`,
      [userId, at],
    );
    return rows[0] ? { limit: num(rows[0].limit_value) } : undefined;
  }

  /** Units of a monthly metric counted in a period. */
  async monthlyUsed(tx: Transaction, metric: MonthlyMetric, userId: string, period: string): Promise<number> {
    const { countColumn } = MONTHLY_COLUMNS[metric];
    const rows: Record<string, unknown>[] = await tx.query(`SELECT ${countColumn} AS used FROM usage WHERE user_id = $1 AND period = $2`, [userId, period]);
    return rows[0] ? Number(rows[0].used) : 0;
  }

  /** Adds units of a monthly metric to a period; returns the period's new count. */
  async addMonthly(tx: Transaction, metric: MonthlyMetric, userId: string, period: string, delta: number): Promise<number> {
    const { countColumn } = MONTHLY_COLUMNS[metric];
    await this.usage(tx, userId, period);
    const rows = returned(await tx.query(
      `UPDATE usage SET ${countColumn} = ${countColumn} + $3, updated_at = now() WHERE user_id = $1 AND period = $2 RETURNING ${countColumn} AS used`,
      [userId, period, delta],
    ));
    return Number(rows[0]!.used);
  }

  /** Records a pipeline start by its run id; false when it was recorded already (a redelivery or a copy). */
  async claimPipelineRun(tx: Transaction, run: { runId: string; userId: string; recordingId: string; period: string }): Promise<boolean> {
    const rows = returned(await tx.query(
      `INSERT INTO pipeline_runs (run_id, user_id, recording_id, period) VALUES ($1, $2, $3, $4) ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
      [run.runId, run.userId, run.recordingId, run.period],
    ));
    return rows.length > 0;
  }

  /** The user's usage row of a period, created (carrying the latest known storage bytes) when missing. */
  async usage(tx: Transaction, userId: string, period: string): Promise<{ recordings: number; storageBytes: number }> {
    await tx.query(
      `INSERT INTO usage (user_id, period, storage_bytes, storage_updated_at)
       SELECT $1, $2, COALESCE(prev.storage_bytes, 0), prev.storage_updated_at
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT storage_bytes, storage_updated_at FROM usage WHERE user_id = $1 ORDER BY period DESC LIMIT 1) prev ON true
       ON CONFLICT (user_id, period) DO NOTHING`,
      [userId, period],
    );
    const rows: Record<string, unknown>[] = await tx.query(`SELECT recordings_count, storage_bytes FROM usage WHERE user_id = $1 AND period = $2`, [
      userId,
      period,
    ]);
    return { recordings: Number(rows[0]!.recordings_count), storageBytes: Number(rows[0]!.storage_bytes) };
  }

  /** Adds committed recordings to a period; returns the period's new count. */
  async addRecordings(tx: Transaction, userId: string, period: string, delta: number): Promise<number> {
    await this.usage(tx, userId, period);
    const rows = returned(await tx.query(
      `UPDATE usage SET recordings_count = recordings_count + $3, updated_at = now() WHERE user_id = $1 AND period = $2 RETURNING recordings_count`,
      [userId, period, delta],
    ));
    return Number(rows[0]!.recordings_count);
  }

  /** Records the user's storage total as of `at`; an older report than the one kept is ignored. */
  async setStorageBytes(tx: Transaction, userId: string, period: string, totalBytes: string, at: Date): Promise<void> {
    await this.usage(tx, userId, period);
    await tx.query(
      `UPDATE usage SET storage_bytes = $3, storage_updated_at = $4, updated_at = now()
        WHERE user_id = $1 AND period = $2 AND (storage_updated_at IS NULL OR storage_updated_at <= $4)`,
      [userId, period, totalBytes, at],
    );
  }

  async heldReservations(tx: Transaction, userId: string, period: string): Promise<number> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT count(*)::int AS held FROM reservations WHERE user_id = $1 AND period = $2 AND status = 'reserved'`,
      [userId, period],
    );
    return Number(rows[0]!.held);
  }

  async findByKey(tx: Transaction, userId: string, idempotencyKey: string): Promise<ReservationRow | undefined> {
    const rows: Record<string, unknown>[] = await tx.query(`SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE user_id = $1 AND idempotency_key = $2`, [
      userId,
      idempotencyKey,
    ]);
    return rows[0] ? toReservation(rows[0]) : undefined;
  }

  async findById(tx: Transaction, id: string): Promise<ReservationRow | undefined> {
    const rows: Record<string, unknown>[] = await tx.query(`SELECT ${RESERVATION_COLUMNS} FROM reservations WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? toReservation(rows[0]) : undefined;
  }

  async deleteReservation(tx: Transaction, id: string): Promise<void> {
    await tx.query(`DELETE FROM reservations WHERE id = $1`, [id]);
  }

  async insertReservation(tx: Transaction, r: ReservationRow): Promise<void> {
    await tx.query(
      `INSERT INTO reservations (id, user_id, period, idempotency_key, status, metric, limit_value, used_value, reason, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [r.id, r.userId, r.period, r.idempotencyKey, r.status, r.metric, r.limit, r.used, r.reason, r.expiresAt],
    );
  }

  async settle(tx: Transaction, id: string, status: 'committed' | 'released', at: Date, details: { recordingId?: string; releaseReason?: string }): Promise<void> {
    await tx.query(`UPDATE reservations SET status = $2, settled_at = $3, recording_id = COALESCE($4, recording_id), release_reason = $5 WHERE id = $1`, [
      id,
      status,
      at,
      details.recordingId ?? null,
      details.releaseReason ?? null,
    ]);
  }

  /** Releases the reservations past their expiry (of one user, or of everyone); returns how many. */
  async expire(at: Date, userId?: string, tx?: Transaction): Promise<number> {
    const runner = tx ?? this.dataSource.manager;
    const rows = returned(await runner.query(
      `UPDATE reservations SET status = 'released', release_reason = 'expired', settled_at = $1
        WHERE status = 'reserved' AND expires_at <= $1 AND ($2::text IS NULL OR user_id = $2) RETURNING id`,
      [at, userId ?? null],
    ));
    return rows.length;
  }
}
