import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys and the audit log of admin actions. */
export class GatewayApiKeys1767312100000 implements MigrationInterface {
  readonly name = 'GatewayApiKeys1767312100000';

  async up(_queryRunner: QueryRunner): Promise<void> {
    // tables come here
  }

  async down(_queryRunner: QueryRunner): Promise<void> {
    // and are dropped here
  }
}
