import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Idempotency keys and the answers they replay. */
export class GatewayIdempotency1767312200000 implements MigrationInterface {
  readonly name = 'GatewayIdempotency1767312200000';

  async up(_queryRunner: QueryRunner): Promise<void> {
    // tables come here
  }

  async down(_queryRunner: QueryRunner): Promise<void> {
    // and are dropped here
  }
}
