import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automation jobs (a schedule, the sources it syncs, what becomes of new recordings) and their
 * runs. `next_run_at` is the due-time claim: a replica fires a job by moving it from the due time
 * it read to the next one in the transaction that writes the run and queues its syncs, so one due
 * time fires once however many replicas poll. A sync an automation run queued names its run, the
 * override of auto run and template it applies, and counts what it matched and started.
 */
export class AutomationJobs1767890000000 implements MigrationInterface {
  readonly name = 'AutomationJobs1767890000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE automation_jobs (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        source_ids uuid[] NOT NULL DEFAULT '{}',
        source_platforms text[] NOT NULL DEFAULT '{}',
        template_id uuid REFERENCES templates(id) ON DELETE SET NULL,
        auto_run boolean NOT NULL DEFAULT false,
        sync_days integer NOT NULL DEFAULT 2,
        schedule jsonb NOT NULL,
        is_active boolean NOT NULL DEFAULT true,
        next_run_at timestamptz,
        last_run_at timestamptz,
        run_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX automation_jobs_user_name_unique ON automation_jobs (user_id, name)`);
    await q.query(`CREATE INDEX automation_jobs_user_idx ON automation_jobs (user_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX automation_jobs_due_idx ON automation_jobs (next_run_at) WHERE is_active AND next_run_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE automation_job_runs (
        id uuid PRIMARY KEY,
        job_id uuid NOT NULL REFERENCES automation_jobs(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        trigger text NOT NULL,
        due_at timestamptz,
        started_at timestamptz NOT NULL,
        sources integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX automation_job_runs_job_idx ON automation_job_runs (job_id, started_at DESC, id DESC)`);
    // One run per due time of a job: the claim already makes it so, this makes it a rule of the schema.
    await q.query(`CREATE UNIQUE INDEX automation_job_runs_due_unique ON automation_job_runs (job_id, due_at) WHERE due_at IS NOT NULL`);
    await q.query(`ALTER TABLE source_syncs ADD COLUMN automation_run_id uuid REFERENCES automation_job_runs(id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE source_syncs ADD COLUMN auto_run boolean`);
    await q.query(`ALTER TABLE source_syncs ADD COLUMN template_id uuid`);
    await q.query(`ALTER TABLE source_syncs ADD COLUMN matched integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE source_syncs ADD COLUMN started integer NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX source_syncs_automation_run_idx ON source_syncs (automation_run_id) WHERE automation_run_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS source_syncs_automation_run_idx`);
    for (const column of ['started', 'matched', 'template_id', 'auto_run', 'automation_run_id']) await q.query(`ALTER TABLE source_syncs DROP COLUMN IF EXISTS ${column}`);
    await q.query(`DROP TABLE IF EXISTS automation_job_runs`);
    await q.query(`DROP TABLE IF EXISTS automation_jobs`);
  }
}
