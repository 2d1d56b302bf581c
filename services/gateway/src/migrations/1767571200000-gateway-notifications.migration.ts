import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-user mail notification switches (a missing row or column value means on) and the
 * notifications already sent, one per recording and kind, so a redelivered or repeated event
 * does not mail twice.
 */
export class GatewayNotifications1767571200000 implements MigrationInterface {
  readonly name = 'GatewayNotifications1767571200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification_preferences (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        recording_ready boolean NOT NULL DEFAULT true,
        recording_failed boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE notifications_sent (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        subject_id text NOT NULL,
        kind text NOT NULL,
        sent_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subject_id, kind)
      )`);
    await queryRunner.query(`CREATE INDEX notifications_sent_user_idx ON notifications_sent (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notifications_sent`);
    await queryRunner.query(`DROP TABLE notification_preferences`);
  }
}
