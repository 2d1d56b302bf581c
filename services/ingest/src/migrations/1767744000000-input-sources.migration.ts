import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Input sources (a Zoom account, a Yandex Disk folder or link, a video URL) and their syncs: one
 * row per sync of one source over a date window, with its result.
 */
export class InputSources1767744000000 implements MigrationInterface {
  readonly name = 'InputSources1767744000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE input_sources (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        platform text NOT NULL,
        credential_id uuid REFERENCES source_credentials(id) ON DELETE SET NULL,
        config jsonb NOT NULL DEFAULT '{}'::jsonb,
        is_active boolean NOT NULL DEFAULT true,
        last_sync_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One name per platform and credential (the reference's rule), a source without a credential included.
    await q.query(
      `CREATE UNIQUE INDEX input_sources_name_unique ON input_sources (user_id, name, platform, COALESCE(credential_id, '00000000-0000-0000-0000-000000000000'::uuid))`,
    );
    await q.query(`CREATE INDEX input_sources_user_idx ON input_sources (user_id, created_at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE source_syncs (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        source_id uuid NOT NULL REFERENCES input_sources(id) ON DELETE CASCADE,
        status text NOT NULL DEFAULT 'QUEUED',
        from_date date NOT NULL,
        to_date date NOT NULL,
        found integer NOT NULL DEFAULT 0,
        created integer NOT NULL DEFAULT 0,
        updated integer NOT NULL DEFAULT 0,
        skips jsonb NOT NULL DEFAULT '[]'::jsonb,
        error_code text,
        error_message text,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX source_syncs_source_idx ON source_syncs (source_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS source_syncs`);
    await q.query(`DROP TABLE IF EXISTS input_sources`);
  }
}
