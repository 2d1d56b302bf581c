import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency keys and the answers they replay. */
export class GatewayIdempotency1767312200000 implements MigrationInterface {
  readonly name = 'GatewayIdempotency1767312200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        scope text NOT NULL,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        fingerprint text NOT NULL,
        state text NOT NULL DEFAULT 'in-progress' CHECK (state IN ('in-progress', 'completed')),
        response_status integer,
        response_headers jsonb NOT NULL DEFAULT '{}'::jsonb,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key),
        CHECK (state = 'in-progress' OR response_status IS NOT NULL)
      )`);
    await queryRunner.query(`COMMENT ON TABLE idempotency_keys IS 'Idempotency-Key of a caller (scope = user id) and the answer a retry replays'`);
    await queryRunner.query(
      `COMMENT ON COLUMN idempotency_keys.response_body IS 'The JSON answer; for uploads, the recording row the answer is built from'`,
    );
    await queryRunner.query(`CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS idempotency_keys`);
  }
}
