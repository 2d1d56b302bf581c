import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A target remembers the files it put next to its item (a Yandex Disk upload's sidecars), so a
 * retract removes them too.
 */
export class PublicationSidecars1767841000000 implements MigrationInterface {
  readonly name = 'PublicationSidecars1767841000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE publications ADD COLUMN sidecars jsonb NOT NULL DEFAULT '[]'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE publications DROP COLUMN sidecars`);
  }
}
