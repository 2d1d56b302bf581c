import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants' own chat model keys beside their speech provider keys: provider `llm`, with the chat
 * API's base URL when it is not the server's (LLM_BASE_URL).
 */
export class ChatCredentials1767930000000 implements MigrationInterface {
  readonly name = 'ChatCredentials1767930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE provider_credentials DROP CONSTRAINT provider_credentials_provider_check`);
    await q.query(`ALTER TABLE provider_credentials ADD CONSTRAINT provider_credentials_provider_check CHECK (provider IN ('openai', 'assemblyai', 'llm'))`);
    await q.query(`ALTER TABLE provider_credentials ADD COLUMN base_url text CHECK (base_url IS NULL OR provider = 'llm')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM provider_credentials WHERE provider = 'llm'`);
    await q.query(`ALTER TABLE provider_credentials DROP COLUMN base_url`);
    await q.query(`ALTER TABLE provider_credentials DROP CONSTRAINT provider_credentials_provider_check`);
    await q.query(`ALTER TABLE provider_credentials ADD CONSTRAINT provider_credentials_provider_check CHECK (provider IN ('openai', 'assemblyai'))`);
  }
}
