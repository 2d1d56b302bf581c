import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `PATCH /recordings/{id}/config` writes the recording-preferences layer (`processing_preferences`),
 * as the reference does; the manual override is what a run gives (its body, an automation job's
 * `processingConfig`, a bulk run's config: `run_override`). What the endpoint stored before in
 * `config_override` moves to the preferences (nothing else wrote them, so nothing is lost), and the
 * column goes. An automation job gets its own `processing_config`, and each sync it queues carries
 * it to the recordings the sync brings in.
 */
export class RecordingPreferences1767960000000 implements MigrationInterface {
  readonly name = 'RecordingPreferences1767960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE recordings SET processing_preferences = config_override
       WHERE config_override <> '{}'::jsonb AND processing_preferences = '{}'::jsonb`,
    );
    await q.query(`ALTER TABLE recordings DROP COLUMN config_override`);
    await q.query(`ALTER TABLE automation_jobs ADD COLUMN processing_config jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`ALTER TABLE source_syncs ADD COLUMN processing_config jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE source_syncs DROP COLUMN IF EXISTS processing_config`);
    await q.query(`ALTER TABLE automation_jobs DROP COLUMN IF EXISTS processing_config`);
    await q.query(`ALTER TABLE recordings ADD COLUMN config_override jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`UPDATE recordings SET config_override = processing_preferences`);
  }
}
