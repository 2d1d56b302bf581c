import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recording templates (matching rules and the config blocks a recording is processed with), and
 * on each recording its bound template, whether a match bound it, its own preferences and the
 * owner's manual override: the config layers a recording's effective config is resolved from.
 */
export class Templates1767850000000 implements MigrationInterface {
  readonly name = 'Templates1767850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE templates (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        is_draft boolean NOT NULL DEFAULT false,
        is_active boolean NOT NULL DEFAULT true,
        is_default boolean NOT NULL DEFAULT false,
        priority integer NOT NULL DEFAULT 0,
        matching_rules jsonb NOT NULL DEFAULT '{}'::jsonb,
        processing_config jsonb NOT NULL DEFAULT '{}'::jsonb,
        metadata_config jsonb NOT NULL DEFAULT '{}'::jsonb,
        output_config jsonb NOT NULL DEFAULT '{}'::jsonb,
        used_count integer NOT NULL DEFAULT 0,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX templates_user_name_unique ON templates (user_id, name)`);
    // One base template per user: concurrent lazy creations collide here and the loser reads the winner's.
    await q.query(`CREATE UNIQUE INDEX templates_user_default_unique ON templates (user_id) WHERE is_default`);
    await q.query(`CREATE INDEX templates_matching_idx ON templates (user_id, priority DESC, created_at, id)`);
    await q.query(`ALTER TABLE recordings ADD COLUMN template_id uuid REFERENCES templates(id) ON DELETE SET NULL`);
    await q.query(`ALTER TABLE recordings ADD COLUMN is_mapped boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE recordings ADD COLUMN processing_preferences jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`ALTER TABLE recordings ADD COLUMN config_override jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`CREATE INDEX recordings_template_idx ON recordings (template_id) WHERE template_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS recordings_template_idx`);
    await q.query(`ALTER TABLE recordings DROP COLUMN IF EXISTS config_override, DROP COLUMN IF EXISTS processing_preferences, DROP COLUMN IF EXISTS is_mapped, DROP COLUMN IF EXISTS template_id`);
    await q.query(`DROP TABLE IF EXISTS templates`);
  }
}
