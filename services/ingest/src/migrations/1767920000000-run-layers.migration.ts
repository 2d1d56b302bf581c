import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The config a run gives of its own (`POST /recordings/{id}/run`): a template for this run (the
 * runtime template layer) and config blocks above every stored layer. They are kept on the
 * recording because the stages of the run start later, each reading the effective config as it
 * comes due; the next run that gives some replaces them, and a reset clears them.
 */
export class RunLayers1767920000000 implements MigrationInterface {
  readonly name = 'RunLayers1767920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings ADD COLUMN runtime_template_id uuid REFERENCES templates(id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE recordings ADD COLUMN run_override jsonb NOT NULL DEFAULT '{}'::jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE recordings DROP COLUMN IF EXISTS run_override, DROP COLUMN IF EXISTS runtime_template_id`);
  }
}
