import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The users whose plan's monthly processing was reached, per period, as quota warned at 100 %:
 * their auto-runs wait (paused) until the period ends or they run them (pipeline/processing-holds.ts).
 */
export class ProcessingHolds1767980000000 implements MigrationInterface {
  readonly name = 'ProcessingHolds1767980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE processing_holds (
        user_id text NOT NULL,
        period text NOT NULL,
        limit_value bigint NOT NULL,
        used_value bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, period)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS processing_holds`);
  }
}
