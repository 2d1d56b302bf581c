import type { MigrationInterface, QueryRunner } from 'typeorm';
import { quoteIdent, type MigrationClass } from '@leap/persistence';

/** Just after the outbox/inbox migration (1_000_000_000_000), before any service's own. */
export const JOBS_MIGRATION_TIMESTAMP = 1_000_000_000_001;
export const JOBS_MIGRATION_NAME = `Jobs${JOBS_MIGRATION_TIMESTAMP}`;

export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/**
 * The durable jobs of one service schema. A row is created in the transaction that accepts the
 * command (with its inbox row), claimed with `FOR UPDATE SKIP LOCKED`, held by a lease that a
 * heartbeat renews, and finished in one short transaction with the events it causes.
 */
export function jobsDdl(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.jobs (
      id              uuid PRIMARY KEY,
      kind            text NOT NULL,
      tenant          text NOT NULL DEFAULT '',
      subject         text,
      state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
      message_id      uuid NOT NULL,
      envelope        jsonb NOT NULL,
      weight          real NOT NULL DEFAULT 1 CHECK (weight > 0),
      attempts        integer NOT NULL DEFAULT 0,
      max_attempts    integer NOT NULL,
      run_at          timestamptz NOT NULL DEFAULT now(),
      lease_token     uuid,
      lease_owner     text,
      lease_until     timestamptz,
      progress        real,
      step            text,
      error_code      text,
      error_message   text,
      cancel_reason   text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      started_at      timestamptz,
      updated_at      timestamptz NOT NULL DEFAULT now(),
      finished_at     timestamptz,
      UNIQUE (message_id, kind)
    )`,
    `CREATE INDEX IF NOT EXISTS jobs_queued_idx ON ${s}.jobs (kind, tenant, created_at) WHERE state = 'queued'`,
    `CREATE INDEX IF NOT EXISTS jobs_running_idx ON ${s}.jobs (kind, lease_until) WHERE state = 'running'`,
    `CREATE INDEX IF NOT EXISTS jobs_subject_active_idx ON ${s}.jobs (subject) WHERE state IN ('queued', 'running')`,
    `CREATE INDEX IF NOT EXISTS jobs_finished_idx ON ${s}.jobs (finished_at) WHERE finished_at IS NOT NULL`,
    `CREATE INDEX IF NOT EXISTS jobs_tenant_idx ON ${s}.jobs (tenant, created_at)`,
    `CREATE INDEX IF NOT EXISTS jobs_served_idx ON ${s}.jobs (kind, tenant, started_at DESC) WHERE started_at IS NOT NULL`,
  ];
}

/** The migration that creates the jobs table of one schema (services that declare job kinds get it). */
export function jobsMigration(schema: string): MigrationClass {
  const s = quoteIdent(schema);
  const migration = class JobsMigration implements MigrationInterface {
    readonly name = JOBS_MIGRATION_NAME;

    async up(queryRunner: QueryRunner): Promise<void> {
      for (const sql of jobsDdl(schema)) await queryRunner.query(sql);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.jobs`);
    }
  };
  // The class carries the name TypeORM records, as every migration class of the platform does.
  Object.defineProperty(migration, 'name', { value: JOBS_MIGRATION_NAME });
  return migration;
}

/** The channel a schema's runners LISTEN on: `wake:<kind>` when a job is queued, `cancel:<id>,...` when jobs are cancelled. */
export function jobsChannel(schema: string): string {
  quoteIdent(schema);
  return `leap_jobs_${schema}`;
}
