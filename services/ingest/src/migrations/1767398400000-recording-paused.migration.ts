import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A recording can be paused: nothing of its pipeline starts until a run resumes it. */
export class RecordingPaused1767398400000 implements MigrationInterface {
  readonly name = 'RecordingPaused1767398400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings ADD COLUMN paused boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN IF EXISTS paused`);
  }
}
