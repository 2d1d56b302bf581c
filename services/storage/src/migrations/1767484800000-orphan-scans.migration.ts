import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orphan scans: one row per scan, asked by an operator (`requested_by` the administrator) or by
 * the schedule. A row with no `finished_at` waits for its turn or runs; its findings (or the error
 * that ended it) are kept for the report.
 */
export class OrphanScans1767484800000 implements MigrationInterface {
  readonly name = 'OrphanScans1767484800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orphan_scans (
        id uuid PRIMARY KEY,
        requested_by text NOT NULL,
        repair boolean NOT NULL DEFAULT false,
        requested_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        objects_scanned integer NOT NULL DEFAULT 0,
        rows_scanned integer NOT NULL DEFAULT 0,
        objects_without_recording jsonb NOT NULL DEFAULT '[]'::jsonb,
        rows_without_object jsonb NOT NULL DEFAULT '[]'::jsonb,
        error text
      )`);
    await q.query(`CREATE INDEX orphan_scans_pending_idx ON orphan_scans (requested_at) WHERE finished_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS orphan_scans`);
  }
}
