import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where an imported recording's original is fetched from (a URL, a playlist entry): the DOWNLOAD
 * stage's input. `source_key` (`platform:video_id`) is stable across syncs, so an entry seen
 * again updates its recording instead of creating another.
 */
export class RecordingSources1767571200000 implements MigrationInterface {
  readonly name = 'RecordingSources1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recording_sources (
        recording_id uuid PRIMARY KEY REFERENCES recordings(id) ON DELETE CASCADE,
        user_id text NOT NULL,
        method text NOT NULL,
        url text NOT NULL,
        source_key text,
        platform text,
        expected_size_bytes bigint,
        quality text,
        format_preference text,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX recording_sources_user_source_key ON recording_sources (user_id, source_key) WHERE source_key IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS recording_sources`);
  }
}
