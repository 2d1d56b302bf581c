import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys and the audit log of admin actions.
 * A key is stored as its public id (looked up on every request) and the SHA-256 of the whole key;
 * the secret itself is never stored. Audit entries outlive the accounts they mention, so they keep
 * the actor's email and carry no foreign keys.
 */
export class GatewayApiKeys1767312100000 implements MigrationInterface {
  readonly name = 'GatewayApiKeys1767312100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        public_id text NOT NULL CONSTRAINT api_keys_public_id_key UNIQUE,
        secret_hash bytea NOT NULL,
        name text NOT NULL,
        scopes text[] NOT NULL CONSTRAINT api_keys_scopes_check
          CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']::text[]),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC, id DESC)`);
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        actor_id uuid,
        actor_email text NOT NULL,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        changes jsonb NOT NULL DEFAULT '{}'::jsonb,
        request_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX audit_log_target_idx ON audit_log (target_id, created_at DESC, id DESC)`);
    await queryRunner.query(`CREATE INDEX audit_log_action_idx ON audit_log (action, created_at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS audit_log`);
    await queryRunner.query(`DROP TABLE IF EXISTS api_keys`);
  }
}
