import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Output presets: per user, a platform, the account to publish with, and typed metadata. */
export class CreateOutputPresets1767398400000 implements MigrationInterface {
  readonly name = 'CreateOutputPresets1767398400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE output_presets (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        platform text NOT NULL,
        credential_id uuid,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        is_active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT output_presets_platform_check CHECK (platform IN ('youtube','vk_video','yandex_disk','local')),
        CONSTRAINT output_presets_name_unique UNIQUE (user_id, name)
      )`);
    await q.query(`CREATE INDEX output_presets_user_idx ON output_presets (user_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS output_presets`);
  }
}
