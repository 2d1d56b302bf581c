import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Webhook signing secrets are kept sealed (AES-256-GCM, `v1.<key id>.…`, WEBHOOK_SECRETS_KEYRING).
 * From now on the database refuses a secret in clear. Rows of the older release are let through
 * (NOT VALID): sealing needs the keyring, which is configuration, so the gateway seals them at
 * its next start, right after this migration, and then validates the check.
 */
export class GatewayWebhookSecretsSealed1767661200000 implements MigrationInterface {
  readonly name = 'GatewayWebhookSecretsSealed1767661200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE webhook_subscriptions ADD CONSTRAINT webhook_subscriptions_secrets_sealed
        CHECK (secret LIKE 'v1.%' AND (previous_secret IS NULL OR previous_secret LIKE 'v1.%')) NOT VALID`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_subscriptions DROP CONSTRAINT webhook_subscriptions_secrets_sealed`);
  }
}
