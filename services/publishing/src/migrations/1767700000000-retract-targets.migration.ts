import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A published target can be retracted: `RETRACTING` while its job runs, `RETRACTED` (and when) once the item is gone. */
export class RetractTargets1767700000000 implements MigrationInterface {
  readonly name = 'RetractTargets1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE publications ADD COLUMN retracted_at timestamptz`);
    await q.query(`ALTER TABLE publications DROP CONSTRAINT publications_status_check`);
    await q.query(`ALTER TABLE publications ADD CONSTRAINT publications_status_check CHECK (status IN ('QUEUED','UPLOADING','PUBLISHED','FAILED','RETRACTING','RETRACTED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE publications SET status = 'PUBLISHED' WHERE status IN ('RETRACTING','RETRACTED')`);
    await q.query(`ALTER TABLE publications DROP CONSTRAINT publications_status_check`);
    await q.query(`ALTER TABLE publications ADD CONSTRAINT publications_status_check CHECK (status IN ('QUEUED','UPLOADING','PUBLISHED','FAILED'))`);
    await q.query(`ALTER TABLE publications DROP COLUMN retracted_at`);
  }
}
