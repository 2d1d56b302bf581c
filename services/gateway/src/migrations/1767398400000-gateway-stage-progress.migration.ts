import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Progress of a running stage in the read model: percent done and what the job is doing. */
export class GatewayStageProgress1767398400000 implements MigrationInterface {
  readonly name = 'GatewayStageProgress1767398400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE recording_stages ADD COLUMN progress smallint, ADD COLUMN step text`);
    await queryRunner.query(`ALTER TABLE recording_stages ADD CONSTRAINT recording_stages_progress_check CHECK (progress BETWEEN 0 AND 100)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE recording_stages DROP COLUMN IF EXISTS step, DROP COLUMN IF EXISTS progress`);
  }
}
