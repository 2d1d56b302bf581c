import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The object catalogue: one row per object in the store, kept from the services' result events. */
export class CreateObjectCatalogue1767225600000 implements MigrationInterface {
  readonly name = 'CreateObjectCatalogue1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE stored_objects (
        key text PRIMARY KEY,
        user_id text NOT NULL,
        recording_id text,
        kind text NOT NULL,
        size_bytes bigint NOT NULL,
        checksum_sha256 text,
        content_type text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT stored_objects_size_check CHECK (size_bytes >= 0),
        CONSTRAINT stored_objects_kind_check CHECK (kind IN ('SOURCE','VIDEO','AUDIO','POSTER','THUMBNAIL','TRANSCRIPT','TOPICS',
          'SUBTITLES_SRT','SUBTITLES_VTT'))
      )`);
    await q.query(`CREATE INDEX stored_objects_user_idx ON stored_objects (user_id)`);
    await q.query(`CREATE INDEX stored_objects_recording_idx ON stored_objects (user_id, recording_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS stored_objects`);
  }
}
