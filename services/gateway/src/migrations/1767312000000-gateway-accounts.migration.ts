import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Account state every request's access check reads: verification, role, activation, feature flags, token version. */
export class GatewayAccounts1767312000000 implements MigrationInterface {
  readonly name = 'GatewayAccounts1767312000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE users
        ADD COLUMN full_name text,
        ADD COLUMN role text NOT NULL DEFAULT 'user' CONSTRAINT users_role_check CHECK (role IN ('user', 'admin')),
        ADD COLUMN is_active boolean NOT NULL DEFAULT true,
        ADD COLUMN email_verified_at timestamptz,
        ADD COLUMN token_version integer NOT NULL DEFAULT 0,
        ADD COLUMN can_upload boolean NOT NULL DEFAULT true,
        ADD COLUMN can_process boolean NOT NULL DEFAULT true,
        ADD COLUMN can_transcribe boolean NOT NULL DEFAULT true,
        ADD COLUMN can_export boolean NOT NULL DEFAULT true,
        ADD COLUMN last_login_at timestamptz,
        ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`);
    // Accounts made before verification existed keep working.
    await queryRunner.query(`UPDATE users SET email_verified_at = created_at WHERE email_verified_at IS NULL`);
    await queryRunner.query(`CREATE INDEX users_created_idx ON users (created_at DESC, id DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS users_created_idx`);
    await queryRunner.query(`
      ALTER TABLE users
        DROP COLUMN full_name, DROP COLUMN role, DROP COLUMN is_active, DROP COLUMN email_verified_at,
        DROP COLUMN token_version, DROP COLUMN can_upload, DROP COLUMN can_process, DROP COLUMN can_transcribe,
        DROP COLUMN can_export, DROP COLUMN last_login_at, DROP COLUMN updated_at`);
  }
}
