import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The recording's lifecycle: when it expires, whether it is deleted (SOFT: restorable, PURGED:
 * its files are gone), why, and when its files and its last trace go. Recordings deleted before
 * soft delete existed had their files removed at once: they are PURGED.
 */
export class RecordingLifecycle1767484800000 implements MigrationInterface {
  readonly name = 'RecordingLifecycle1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings
      ADD COLUMN expire_at timestamptz,
      ADD COLUMN delete_state text CHECK (delete_state IN ('SOFT', 'PURGED')),
      ADD COLUMN deletion_reason text CHECK (deletion_reason IN ('MANUAL', 'EXPIRED')),
      ADD COLUMN purge_at timestamptz,
      ADD COLUMN hard_delete_at timestamptz`);
    await q.query(`UPDATE recordings SET expire_at = created_at + interval '90 days'`);
    await q.query(`UPDATE recordings SET delete_state = 'PURGED', deletion_reason = 'MANUAL', purge_at = deleted_at,
      hard_delete_at = deleted_at + interval '30 days' WHERE deleted_at IS NOT NULL`);
    await q.query(`ALTER TABLE recordings ALTER COLUMN expire_at SET NOT NULL`);
    // What the retention sweep looks for: live recordings by expiry, deleted ones by their next step.
    await q.query(`CREATE INDEX recordings_expire_idx ON recordings (expire_at) WHERE delete_state IS NULL`);
    await q.query(`CREATE INDEX recordings_purge_idx ON recordings (purge_at) WHERE delete_state = 'SOFT'`);
    await q.query(`CREATE INDEX recordings_hard_delete_idx ON recordings (hard_delete_at) WHERE delete_state = 'PURGED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS recordings_expire_idx`);
    await q.query(`DROP INDEX IF EXISTS recordings_purge_idx`);
    await q.query(`DROP INDEX IF EXISTS recordings_hard_delete_idx`);
    await q.query(`ALTER TABLE recordings DROP COLUMN expire_at, DROP COLUMN delete_state, DROP COLUMN deletion_reason,
      DROP COLUMN purge_at, DROP COLUMN hard_delete_at`);
  }
}
