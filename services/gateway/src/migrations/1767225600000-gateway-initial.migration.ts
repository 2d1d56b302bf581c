import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, and the recording read model built from the pipeline's events. */
export class GatewayInitial1767225600000 implements MigrationInterface {
  readonly name = 'GatewayInitial1767225600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_key UNIQUE (email)
      )`);
    await queryRunner.query(`
      CREATE TABLE recordings (
        id text PRIMARY KEY,
        user_id text NOT NULL,
        title text,
        original_filename text,
        source_type text,
        status text NOT NULL DEFAULT 'INITIALIZED',
        status_changed_at timestamptz,
        failed boolean NOT NULL DEFAULT false,
        failed_stage text,
        failure_reason text,
        size_bytes bigint,
        content_type text,
        artifacts jsonb NOT NULL DEFAULT '{}'::jsonb,
        publications jsonb NOT NULL DEFAULT '{}'::jsonb,
        deletion_state text,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX recordings_user_created_idx ON recordings (user_id, created_at DESC, id DESC)`);
    await queryRunner.query(`
      CREATE TABLE recording_stages (
        recording_id text NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
        stage text NOT NULL,
        target text NOT NULL DEFAULT '',
        status text NOT NULL,
        attempt integer NOT NULL DEFAULT 1,
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms bigint,
        error jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (recording_id, stage, target)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS recording_stages`);
    await queryRunner.query(`DROP TABLE IF EXISTS recordings`);
    await queryRunner.query(`DROP TABLE IF EXISTS users`);
  }
}
