import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A session remembers the account's token version it was opened (or last renewed) under, so
 * raising `users.token_version` also stops the session's refresh tokens, not only its access tokens.
 */
export class GatewaySessionTokenVersion1767312260000 implements MigrationInterface {
  readonly name = 'GatewaySessionTokenVersion1767312260000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sessions ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE sessions DROP COLUMN token_version`);
  }
}
