import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-time links (email verification, password reset), the mail cooldown per address, and
 * sessions: a session is one login on one device; its refresh tokens form a rotation chain.
 * Tokens are stored only as SHA-256 hashes.
 */
export class GatewaySessions1767312050000 implements MigrationInterface {
  readonly name = 'GatewaySessions1767312050000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE auth_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose text NOT NULL CONSTRAINT auth_tokens_purpose_check CHECK (purpose IN ('verify-email', 'reset-password')),
        token_hash bytea NOT NULL CONSTRAINT auth_tokens_hash_key UNIQUE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id, purpose, created_at DESC)`);
    await queryRunner.query(`
      CREATE TABLE mail_throttle (
        address_hash bytea NOT NULL,
        purpose text NOT NULL,
        last_sent_at timestamptz NOT NULL,
        PRIMARY KEY (address_hash, purpose)
      )`);
    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        device_label text,
        user_agent text,
        ip_hash text,
        persistent boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason text
      )`);
    await queryRunner.query(`CREATE INDEX sessions_user_active_idx ON sessions (user_id, last_used_at DESC) WHERE revoked_at IS NULL`);
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        token_hash bytea NOT NULL CONSTRAINT refresh_tokens_hash_key UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        replaced_by uuid
      )`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS refresh_tokens`);
    await queryRunner.query(`DROP TABLE IF EXISTS sessions`);
    await queryRunner.query(`DROP TABLE IF EXISTS mail_throttle`);
    await queryRunner.query(`DROP TABLE IF EXISTS auth_tokens`);
  }
}
