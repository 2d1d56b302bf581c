import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-user overrides of the plan's automation limits (how many jobs, the shortest gap between two
 * fires, in hours), beside the recordings, storage and concurrency ones. NULL keeps the plan's
 * value; 0 means 0.
 */
export class AutomationLimitOverrides1767900000000 implements MigrationInterface {
  readonly name = 'AutomationLimitOverrides1767900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subscriptions
        ADD COLUMN custom_automation_jobs integer CHECK (custom_automation_jobs >= 0),
        ADD COLUMN custom_min_automation_interval_hours integer CHECK (custom_min_automation_interval_hours >= 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriptions DROP COLUMN IF EXISTS custom_automation_jobs, DROP COLUMN IF EXISTS custom_min_automation_interval_hours`);
  }
}
