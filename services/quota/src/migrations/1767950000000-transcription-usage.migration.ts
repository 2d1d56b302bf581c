import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Transcriptions finished per user and period, counted from `transcription.recording.transcribed.v1`,
 * so a new transcription can be checked against the plan's `transcriptions_per_month`.
 */
export class TranscriptionUsage1767950000000 implements MigrationInterface {
  readonly name = 'TranscriptionUsage1767950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usage ADD COLUMN transcriptions_count integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usage DROP COLUMN IF EXISTS transcriptions_count`);
  }
}
