import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Finished chunks of a transcription in progress: a chunk transcribed once is kept here until the
 * transcript is written, so neither a restarted job nor a failover sends it again.
 */
export class TranscriptChunks1767571200000 implements MigrationInterface {
  readonly name = 'TranscriptChunks1767571200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transcript_chunks (
        recording_id  text NOT NULL,
        plan_key      text NOT NULL,
        chunk_index   integer NOT NULL,
        start_seconds double precision NOT NULL,
        end_seconds   double precision NOT NULL,
        provider      text NOT NULL,
        model         text NOT NULL,
        result        jsonb NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recording_id, plan_key, chunk_index)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS transcript_chunks`);
  }
}
