import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pipelines started per user and period, counted from `ingest.pipeline.started.v1`, so a run can
 * be checked against the plan's `processing_per_month`. Each start is recorded by its run id, so
 * a redelivered (or copied) event counts once.
 */
export class ProcessingUsage1767970000000 implements MigrationInterface {
  readonly name = 'ProcessingUsage1767970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usage ADD COLUMN processing_count integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE TABLE pipeline_runs (
        run_id text PRIMARY KEY,
        user_id text NOT NULL,
        recording_id text NOT NULL,
        period text NOT NULL,
        counted_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX pipeline_runs_user_period ON pipeline_runs (user_id, period)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS pipeline_runs`);
    await q.query(`ALTER TABLE usage DROP COLUMN IF EXISTS processing_count`);
  }
}
