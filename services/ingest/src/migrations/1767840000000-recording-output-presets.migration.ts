import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A recording carries the output presets it publishes with (one output target each at UPLOAD), and
 * which target failed when an upload fails it.
 */
export class RecordingOutputPresets1767840000000 implements MigrationInterface {
  readonly name = 'RecordingOutputPresets1767840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings ADD COLUMN output_presets jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`ALTER TABLE recordings ADD COLUMN failed_target text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN IF EXISTS failed_target`);
    await q.query(`ALTER TABLE recordings DROP COLUMN IF EXISTS output_presets`);
  }
}
