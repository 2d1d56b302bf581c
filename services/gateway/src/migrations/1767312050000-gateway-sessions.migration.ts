import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Verification and reset tokens, refresh-token sessions and their rotation chains. */
export class GatewaySessions1767312050000 implements MigrationInterface {
  readonly name = 'GatewaySessions1767312050000';

  async up(_queryRunner: QueryRunner): Promise<void> {
    // tables come here
  }

  async down(_queryRunner: QueryRunner): Promise<void> {
    // and are dropped here
  }
}
