import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stage timing analytics: one row per stage attempt (`substep` empty) and per sub-step of an
 * attempt (named by the job's progress reports, e.g. `detecting silence`), kept for every attempt
 * where the read model keeps only the last. Filled from what the read model has so far.
 */
export class GatewayStageTimings1767657800000 implements MigrationInterface {
  readonly name = 'GatewayStageTimings1767657800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stage_timings (
        recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        user_id text NOT NULL,
        stage text NOT NULL,
        target text NOT NULL DEFAULT '',
        attempt integer NOT NULL,
        substep text NOT NULL DEFAULT '',
        status text NOT NULL,
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms bigint,
        error_code text,
        PRIMARY KEY (recording_id, stage, target, attempt, substep)
      )`);
    await q.query(`CREATE INDEX stage_timings_user_started_idx ON stage_timings (user_id, started_at)`);
    await q.query(`
      INSERT INTO stage_timings (recording_id, user_id, stage, target, attempt, substep, status, started_at, finished_at, duration_ms, error_code)
      SELECT s.recording_id, r.user_id, s.stage, s.target, s.attempt, '', s.status, s.started_at, s.finished_at, s.duration_ms, s.error ->> 'code'
      FROM recording_stages s JOIN recordings r ON r.id = s.recording_id`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS stage_timings`);
  }
}
