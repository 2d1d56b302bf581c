import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a Zoom webhook needs to find its credential without opening every sealed value: the Zoom
 * account id of a Server-to-Server credential (not a secret: Zoom puts it in every event), and
 * whether the credential keeps a webhook secret token. Both follow the sealed fields whenever they
 * are written; a credential stored before this keeps them empty until its fields are saved again.
 */
export class ZoomWebhookAccounts1767810000000 implements MigrationInterface {
  readonly name = 'ZoomWebhookAccounts1767810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE source_credentials ADD COLUMN external_account_id text, ADD COLUMN has_webhook_secret boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX source_credentials_webhook_idx ON source_credentials (platform, external_account_id) WHERE has_webhook_secret`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS source_credentials_webhook_idx`);
    await q.query(`ALTER TABLE source_credentials DROP COLUMN IF EXISTS has_webhook_secret, DROP COLUMN IF EXISTS external_account_id`);
  }
}
