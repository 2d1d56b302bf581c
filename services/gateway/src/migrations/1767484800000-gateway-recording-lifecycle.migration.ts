import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read model follows the recording's lifecycle: `deletion_state` is DELETING (asked for),
 * DELETED (soft: hidden, restorable until `restorable_until`) or PURGED (files gone, until the
 * hard delete removes the row). `lifecycle_changed_at` orders the lifecycle events, which may
 * arrive out of order. Rows deleted before soft delete existed had their files removed: PURGED.
 */
export class GatewayRecordingLifecycle1767484800000 implements MigrationInterface {
  readonly name = 'GatewayRecordingLifecycle1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings
      ADD COLUMN deletion_reason text,
      ADD COLUMN restorable_until timestamptz,
      ADD COLUMN hard_delete_at timestamptz,
      ADD COLUMN expire_at timestamptz,
      ADD COLUMN lifecycle_changed_at timestamptz`);
    await q.query(`UPDATE recordings SET deletion_state = 'PURGED', lifecycle_changed_at = deleted_at WHERE deletion_state = 'DELETED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE recordings SET deletion_state = 'DELETED' WHERE deletion_state = 'PURGED'`);
    await q.query(`ALTER TABLE recordings DROP COLUMN deletion_reason, DROP COLUMN restorable_until, DROP COLUMN hard_delete_at,
      DROP COLUMN expire_at, DROP COLUMN lifecycle_changed_at`);
  }
}
