import type { MigrationInterface, QueryRunner } from 'typeorm';

const GIB = 1024 ** 3;

/**
 * Plans, subscriptions, reservations and usage. The seeded plans are the tiers the reference's
 * documentation names; `plus` carries its documented example limits (50 recordings a month,
 * 25 GB, 2 concurrent pipelines, 3 automation jobs, a 1 h minimum interval). NULL is unlimited.
 */
export class CreateQuota1767225600000 implements MigrationInterface {
  readonly name = 'CreateQuota1767225600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plans (
        name text PRIMARY KEY,
        display_name text NOT NULL,
        description text,
        is_active boolean NOT NULL DEFAULT true,
        sort_order integer NOT NULL DEFAULT 0,
        recordings_per_month integer,
        storage_bytes bigint,
        concurrent_tasks integer,
        transcriptions_per_month integer,
        processing_per_month integer,
        automation_jobs integer,
        min_automation_interval_hours integer,
        templates integer,
        credentials integer,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `INSERT INTO plans (name, display_name, sort_order, recordings_per_month, storage_bytes, concurrent_tasks, transcriptions_per_month,
         processing_per_month, automation_jobs, min_automation_interval_hours, templates, credentials) VALUES
       ('free', 'Free', 1, 10, ${5 * GIB}, 1, 10, 10, 1, 24, 5, 3),
       ('plus', 'Plus', 2, 50, ${25 * GIB}, 2, 50, 50, 3, 1, 20, 10),
       ('pro', 'Pro', 3, 200, ${100 * GIB}, 5, 200, 200, 10, 1, 100, 30),
       ('enterprise', 'Enterprise', 4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    );
    await q.query(`
      CREATE TABLE subscriptions (
        user_id text PRIMARY KEY,
        plan_name text NOT NULL REFERENCES plans (name) ON DELETE RESTRICT,
        custom_recordings_per_month integer,
        custom_storage_bytes bigint,
        custom_concurrent_tasks integer,
        starts_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        notes text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE usage (
        user_id text NOT NULL,
        period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
        recordings_count integer NOT NULL DEFAULT 0,
        storage_bytes bigint NOT NULL DEFAULT 0,
        storage_updated_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, period)
      )`);
    await q.query(`
      CREATE TABLE reservations (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        period text NOT NULL,
        idempotency_key text NOT NULL,
        status text NOT NULL CHECK (status IN ('reserved', 'committed', 'released', 'denied')),
        metric text NOT NULL DEFAULT 'QUOTA_METRIC_RECORDINGS',
        limit_value bigint,
        used_value bigint NOT NULL DEFAULT 0,
        reason text,
        release_reason text,
        recording_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        settled_at timestamptz,
        CONSTRAINT reservations_user_key UNIQUE (user_id, idempotency_key)
      )`);
    await q.query(`CREATE INDEX reservations_held_idx ON reservations (user_id, period) WHERE status = 'reserved'`);
    await q.query(`CREATE INDEX reservations_expiry_idx ON reservations (expires_at) WHERE status = 'reserved'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['reservations', 'usage', 'subscriptions', 'plans']) await q.query(`DROP TABLE IF EXISTS ${table}`);
  }
}
