import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxInboxDdl, quoteIdent } from './outbox-inbox.sql';

/**
 * Timestamp of the outbox/inbox migration. It is older than any real migration timestamp
 * (2001-09-09), so the outbox and inbox tables are always the first thing built in a schema.
 */
export const OUTBOX_INBOX_MIGRATION_TIMESTAMP = 1_000_000_000_000;

/** Name recorded in `<schema>.migrations`; the same for every schema and every release. */
export const OUTBOX_INBOX_MIGRATION_NAME = `OutboxInbox${OUTBOX_INBOX_MIGRATION_TIMESTAMP}`;

export type MigrationClass = new () => MigrationInterface;

/**
 * The migration that creates the outbox and inbox of one schema. `openServiceDatabase`
 * (and `createServiceDataSource`) put it in front of every service's own migrations.
 */
export function outboxInboxMigration(schema: string): MigrationClass {
  const s = quoteIdent(schema);
  return class OutboxInboxMigration implements MigrationInterface {
    static readonly outboxInbox = true;
    readonly name = OUTBOX_INBOX_MIGRATION_NAME;

    async up(queryRunner: QueryRunner): Promise<void> {
      for (const sql of outboxInboxDdl(schema)) await queryRunner.query(sql);
    }

    async down(queryRunner: QueryRunner): Promise<void> {
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.inbox`);
      await queryRunner.query(`DROP TABLE IF EXISTS ${s}.outbox`);
    }
  };
}

/** True for a class returned by `outboxInboxMigration` (for any schema). */
export function isOutboxInboxMigration(migration: unknown): boolean {
  return typeof migration === 'function' && (migration as { outboxInbox?: unknown }).outboxInbox === true;
}
