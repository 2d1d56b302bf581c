import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants' own speech provider keys: one per user and provider, the key sealed
 * (TRANSCRIPTION_CREDENTIALS_KEYRING, context `transcription-key:<user id>:<provider>`), never in clear.
 */
export class ProviderCredentials1767661200000 implements MigrationInterface {
  readonly name = 'ProviderCredentials1767661200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE provider_credentials (
        user_id        text NOT NULL,
        provider       text NOT NULL CHECK (provider IN ('openai', 'assemblyai')),
        sealed_api_key text NOT NULL CHECK (sealed_api_key LIKE 'v1.%'),
        key_hint       text NOT NULL,
        model          text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, provider)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS provider_credentials`);
  }
}
