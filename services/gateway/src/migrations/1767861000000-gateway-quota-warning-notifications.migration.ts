import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The switch of quota warning mails; on for everyone, like the other kinds. */
export class GatewayQuotaWarningNotifications1767861000000 implements MigrationInterface {
  readonly name = 'GatewayQuotaWarningNotifications1767861000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification_preferences ADD COLUMN quota_warning boolean NOT NULL DEFAULT true`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE notification_preferences DROP COLUMN quota_warning`);
  }
}
