import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

const DURATION = `CASE WHEN started_at IS NOT NULL AND finished_at IS NOT NULL
  THEN GREATEST(0, round(extract(epoch FROM (finished_at - started_at)) * 1000))::bigint END`;

const FINISHED = new Set(['COMPLETED', 'FAILED', 'SKIPPED']);

export interface TimingRow {
  stage: string;
  target: string;
  attempt: number;
  substep: string;
  status: string;
  startedAt: Date | null;
  finishedAt: Date | null;
  durationMs: string | null;
  errorCode: string | null;
}

export interface StageAggregateRow {
  stage: string;
  substep: string;
  attempts: number;
  recordings: number;
  completed: number;
  failed: number;
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: string | null;
  totalMs: string | null;
}

/**
 * Stage timings (see the migration), written by the read-model projection in its transaction:
 * each stage attempt as its status changes, and each sub-step from the first progress report
 * that names it to the next one (or the attempt's end).
 */
@Injectable()
export class StageTimingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async recordStage(
    manager: EntityManager,
    s: { recordingId: string; userId: string; stage: string; target: string; attempt: number; status: string; startedAt: string | null; finishedAt: string | null; errorCode: string | null },
  ): Promise<void> {
    const key = [s.recordingId, s.stage, s.target, s.attempt];
    await manager.query(
      `INSERT INTO stage_timings AS t (recording_id, stage, target, attempt, substep, user_id, status, started_at, finished_at, error_code)
       VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $9)
       ON CONFLICT (recording_id, stage, target, attempt, substep) DO UPDATE SET
         status = EXCLUDED.status,
         started_at = COALESCE(EXCLUDED.started_at, t.started_at),
         finished_at = COALESCE(EXCLUDED.finished_at, t.finished_at),
         error_code = EXCLUDED.error_code`,
      [...key, s.userId, s.status, s.startedAt, s.finishedAt, s.errorCode],
    );
    await manager.query(`UPDATE stage_timings SET duration_ms = ${DURATION} WHERE recording_id = $1 AND stage = $2 AND target = $3 AND attempt = $4 AND substep = ''`, key);
    if (FINISHED.has(s.status)) {
      // The attempt ended: so did the sub-step it was in.
      await manager.query(
        `UPDATE stage_timings SET finished_at = GREATEST(started_at, $5::timestamptz), status = $6
         WHERE recording_id = $1 AND stage = $2 AND target = $3 AND attempt = $4 AND substep <> '' AND finished_at IS NULL`,
        [...key, s.finishedAt ?? new Date().toISOString(), s.status === 'FAILED' ? 'FAILED' : 'COMPLETED'],
      );
      await manager.query(`UPDATE stage_timings SET duration_ms = ${DURATION} WHERE recording_id = $1 AND stage = $2 AND target = $3 AND attempt = $4 AND substep <> ''`, key);
    }
  }

  /**
   * A progress report named sub-step `substep` at `at`: it starts there (unless it had started),
   * and the attempt's other open sub-step ends there. Reports only reach here while the stage
   * runs (the read model drops the others), in the attempt the read model shows.
   */
  async recordSubstep(manager: EntityManager, p: { recordingId: string; userId: string; stage: string; target: string; substep: string; at: string }): Promise<void> {
    const rows: { attempt: number }[] = await manager.query(`SELECT attempt FROM recording_stages WHERE recording_id = $1 AND stage = $2 AND target = $3`, [
      p.recordingId,
      p.stage,
      p.target,
    ]);
    const attempt = rows[0]?.attempt;
    if (attempt === undefined) return;
    const key = [p.recordingId, p.stage, p.target, attempt];
    await manager.query(
      `UPDATE stage_timings SET finished_at = GREATEST(started_at, $6::timestamptz), status = 'COMPLETED', duration_ms = GREATEST(0, round(extract(epoch FROM (GREATEST(started_at, $6::timestamptz) - started_at)) * 1000))::bigint
       WHERE recording_id = $1 AND stage = $2 AND target = $3 AND attempt = $4 AND substep <> '' AND substep <> $5 AND finished_at IS NULL`,
      [...key, p.substep, p.at],
    );
    await manager.query(
      `INSERT INTO stage_timings (recording_id, stage, target, attempt, substep, user_id, status, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'IN_PROGRESS', $7) ON CONFLICT DO NOTHING`,
      [...key, p.substep, p.userId, p.at],
    );
  }

  /** Every timing of one recording, in stage order is the caller's business; here by attempt and start. */
  of(recordingId: string): Promise<TimingRow[]> {
    return this.dataSource.query(
      `SELECT stage, target, attempt, substep, status, started_at AS "startedAt", finished_at AS "finishedAt", duration_ms AS "durationMs", error_code AS "errorCode"
       FROM stage_timings WHERE recording_id = $1 ORDER BY attempt, started_at NULLS LAST, substep`,
      [recordingId],
    );
  }

  /** Per stage and sub-step of the tenant's attempts started in [from, to): counts and durations of the finished ones. */
  aggregate(userId: string, from: Date, to: Date): Promise<StageAggregateRow[]> {
    return this.dataSource.query(
      `SELECT stage, substep,
         count(*)::int AS attempts,
         count(DISTINCT recording_id)::int AS recordings,
         count(*) FILTER (WHERE status = 'COMPLETED')::int AS completed,
         count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
         round(avg(duration_ms))::float8 AS "avgMs",
         round(percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms))::float8 AS "p50Ms",
         round(percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms))::float8 AS "p95Ms",
         max(duration_ms) AS "maxMs",
         sum(duration_ms) AS "totalMs"
       FROM stage_timings
       WHERE user_id = $1 AND started_at >= $2 AND started_at < $3
       GROUP BY stage, substep`,
      [userId, from, to],
    );
  }
}
