import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Public share links of recordings: an unguessable token, what the link shows (`include`), an
 * optional expiry and revocation. Links go with their recording's row.
 */
export class GatewayShareLinks1767657700000 implements MigrationInterface {
  readonly name = 'GatewayShareLinks1767657700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE share_links (
        id uuid PRIMARY KEY,
        token text NOT NULL,
        user_id text NOT NULL,
        recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        include text[] NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT share_links_token_key UNIQUE (token)
      )`);
    await q.query(`CREATE INDEX share_links_recording_idx ON share_links (recording_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS share_links`);
  }
}
