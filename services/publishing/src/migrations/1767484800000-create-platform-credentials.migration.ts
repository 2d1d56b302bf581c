import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Platform accounts publishing uploads with: their tokens sealed (AES-256-GCM, key id in the value). */
export class CreatePlatformCredentials1767484800000 implements MigrationInterface {
  readonly name = 'CreatePlatformCredentials1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE platform_credentials (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        platform text NOT NULL,
        account_name text NOT NULL,
        sealed_tokens text NOT NULL,
        needs_reauth boolean NOT NULL DEFAULT false,
        is_active boolean NOT NULL DEFAULT true,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT platform_credentials_platform_check CHECK (platform IN ('youtube','vk_video','yandex_disk')),
        CONSTRAINT platform_credentials_account_unique UNIQUE (user_id, platform, account_name)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS platform_credentials`);
  }
}
