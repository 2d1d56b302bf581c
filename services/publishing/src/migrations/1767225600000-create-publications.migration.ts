import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One row per output target of a recording: the latest outcome of publishing to it. */
export class CreatePublications1767225600000 implements MigrationInterface {
  readonly name = 'CreatePublications1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE publications (
        recording_id text NOT NULL,
        target_id text NOT NULL,
        user_id text NOT NULL,
        platform text NOT NULL,
        status text NOT NULL,
        location text,
        url text,
        external_id text,
        error_code text,
        error_message text,
        attempts integer NOT NULL DEFAULT 1,
        published_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recording_id, target_id),
        CONSTRAINT publications_platform_check CHECK (platform IN ('YOUTUBE','VK','YANDEX_DISK','LOCAL','UNSPECIFIED')),
        CONSTRAINT publications_status_check CHECK (status IN ('PUBLISHED','FAILED'))
      )`);
    await q.query(`CREATE INDEX publications_user_idx ON publications (user_id, updated_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS publications`);
  }
}
