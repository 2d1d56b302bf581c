import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The recording aggregate and its stages. */
export class CreateRecordings1767225600000 implements MigrationInterface {
  readonly name = 'CreateRecordings1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recordings (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        title text NOT NULL,
        original_filename text,
        source_type text NOT NULL,
        source_key text,
        source_size_bytes bigint,
        source_checksum_sha256 text,
        source_content_type text,
        reservation_id text,
        status text NOT NULL,
        failed boolean NOT NULL DEFAULT false,
        failed_stage text,
        failure_code text,
        failure_reason text,
        failed_at timestamptz,
        artifacts jsonb NOT NULL DEFAULT '{}'::jsonb,
        pipeline_started_at timestamptz,
        pipeline_completed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT recordings_status_check CHECK (status IN ('PENDING_SOURCE','INITIALIZED','DOWNLOADING','DOWNLOADED','PROCESSING',
          'PROCESSED','UPLOADING','UPLOADED','READY','SKIPPED','EXPIRED'))
      )`);
    await q.query(`CREATE INDEX recordings_user_idx ON recordings (user_id, created_at DESC) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE recording_stages (
        recording_id uuid NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        stage text NOT NULL,
        target text NOT NULL DEFAULT '',
        status text NOT NULL,
        attempt integer NOT NULL DEFAULT 0,
        platform text,
        started_at timestamptz,
        finished_at timestamptz,
        error_code text,
        error_message text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recording_id, stage, target),
        CONSTRAINT recording_stages_stage_check CHECK (stage IN ('DOWNLOAD','TRIM','TRANSCRIBE','EXTRACT_TOPICS','GENERATE_SUBTITLES','UPLOAD')),
        CONSTRAINT recording_stages_status_check CHECK (status IN ('PENDING','IN_PROGRESS','COMPLETED','FAILED','SKIPPED')),
        CONSTRAINT recording_stages_target_check CHECK ((stage = 'UPLOAD') = (target <> ''))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS recording_stages`);
    await q.query(`DROP TABLE IF EXISTS recordings`);
  }
}
