import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Resumable (tus) uploads in progress: whose they are, what they will become (the recording id is
 * chosen at creation), their quota reservation and expiry. The bytes are files in
 * UPLOAD_RESUMABLE_DIR named by the upload id; this row is the upload's state, so a restarted
 * gateway (or another replica sharing the folder) carries on where the last one stopped.
 */
export class GatewayResumableUploads1767657600000 implements MigrationInterface {
  readonly name = 'GatewayResumableUploads1767657600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE resumable_uploads (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        recording_id uuid NOT NULL UNIQUE,
        filename text NOT NULL,
        extension text NOT NULL,
        content_type text NOT NULL,
        title text NOT NULL,
        size_bytes bigint NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        reservation_id text,
        state text NOT NULL DEFAULT 'RECEIVING' CHECK (state IN ('RECEIVING', 'COMPLETED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        completed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX resumable_uploads_expires_idx ON resumable_uploads (expires_at)`);
    await queryRunner.query(`CREATE INDEX resumable_uploads_user_idx ON resumable_uploads (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE resumable_uploads`);
  }
}
