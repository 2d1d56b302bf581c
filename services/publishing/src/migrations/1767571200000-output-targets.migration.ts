import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A publication row becomes an output target: its preset, and the states before the outcome
 * (`QUEUED` when it was asked for, `UPLOADING` while its job runs). Several targets per platform
 * and recording, each its own row.
 */
export class OutputTargets1767571200000 implements MigrationInterface {
  readonly name = 'OutputTargets1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE publications ADD COLUMN preset_id uuid`);
    await q.query(`ALTER TABLE publications DROP CONSTRAINT publications_status_check`);
    await q.query(`ALTER TABLE publications ADD CONSTRAINT publications_status_check CHECK (status IN ('QUEUED','UPLOADING','PUBLISHED','FAILED'))`);
    await q.query(`CREATE INDEX publications_recording_idx ON publications (recording_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS publications_recording_idx`);
    await q.query(`DELETE FROM publications WHERE status IN ('QUEUED','UPLOADING')`);
    await q.query(`ALTER TABLE publications DROP CONSTRAINT publications_status_check`);
    await q.query(`ALTER TABLE publications ADD CONSTRAINT publications_status_check CHECK (status IN ('PUBLISHED','FAILED'))`);
    await q.query(`ALTER TABLE publications DROP COLUMN preset_id`);
  }
}
