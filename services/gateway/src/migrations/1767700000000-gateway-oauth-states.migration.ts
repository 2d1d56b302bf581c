import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OAuth connects in flight: one row per authorization asked for, found again by the state's nonce
 * at the callback and used once (`used_at`), with the PKCE verifier when the platform needs one.
 */
export class GatewayOAuthStates1767700000000 implements MigrationInterface {
  readonly name = 'GatewayOAuthStates1767700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE oauth_states (
        nonce text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        platform text NOT NULL,
        redirect_uri text NOT NULL,
        code_verifier text,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS oauth_states`);
  }
}
