import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes the auth sweep's batches find ended rows by, so a sweep never scans whole tables. */
export class GatewaySweepIndexes1767312300000 implements MigrationInterface {
  readonly name = 'GatewaySweepIndexes1767312300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX auth_tokens_expires_idx ON auth_tokens (expires_at)`);
    await queryRunner.query(`CREATE INDEX mail_throttle_sent_idx ON mail_throttle (last_sent_at)`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_used_idx ON refresh_tokens (used_at) WHERE used_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX sessions_revoked_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL`);
    await queryRunner.query(`CREATE INDEX sessions_expires_idx ON sessions (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const index of ['sessions_expires_idx', 'sessions_revoked_idx', 'refresh_tokens_used_idx', 'mail_throttle_sent_idx', 'auth_tokens_expires_idx']) {
      await queryRunner.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
