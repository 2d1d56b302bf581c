import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Credentials of the source platforms (Zoom, Yandex Disk as an input), one per user, platform and
 * account name. `sealed_data` is the fields sealed with CREDENTIALS_KEYRING (context
 * `credential:<id>`); `hints` keeps their masked form, so listing never opens a secret.
 */
export class SourceCredentials1767657600000 implements MigrationInterface {
  readonly name = 'SourceCredentials1767657600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE source_credentials (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        platform text NOT NULL,
        account_name text NOT NULL,
        kind text NOT NULL,
        sealed_data text NOT NULL,
        hints jsonb NOT NULL DEFAULT '{}'::jsonb,
        needs_reauth boolean NOT NULL DEFAULT false,
        is_active boolean NOT NULL DEFAULT true,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT source_credentials_account_unique UNIQUE (user_id, platform, account_name)
      )`);
    await q.query(`CREATE INDEX source_credentials_user_idx ON source_credentials (user_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS source_credentials`);
  }
}
