import { DataSource, type Logger, type LoggerOptions, type MixedList } from 'typeorm';
import { isOutboxInboxMigration, outboxInboxMigration } from './outbox-inbox.migration';
import { quoteIdent } from './outbox-inbox.sql';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityOrMigration = Function | string;

export interface ServiceDataSourceOptions {
  /** Connection string of the database, e.g. `postgres://user:pass@host:5432/leap`. */
  url: string;
  /** The service's own schema (`gateway`, `media_processing`, ...): lower-case SQL identifier. */
  schema: string;
  entities?: MixedList<EntityOrMigration>;
  /** The service's own migrations; the outbox/inbox migration is always added in front. */
  migrations?: MixedList<EntityOrMigration>;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  logging?: LoggerOptions;
  /** Where TypeORM writes its log (default: the console, for what `logging` enables and migrations). */
  logger?: Logger;
  /**
   * The server ends a session that stays idle inside a transaction this long, in milliseconds
   * (default 60 s; 0 turns it off): a guard against work holding a transaction open while it waits.
   */
  idleInTransactionTimeoutMs?: number;
  /** Shown in `pg_stat_activity` (default `leap-<schema>`). */
  applicationName?: string;
}

/**
 * A TypeORM DataSource bound to one service schema:
 * - entities without an explicit schema live in `schema`;
 * - the migrations table is `<schema>.migrations`;
 * - every connection starts with `search_path = <schema>, public`, so unqualified names in
 *   migrations and raw queries resolve in the service's schema (extensions stay reachable in public);
 * - nothing is synchronized or migrated implicitly: `migrateServiceSchema` runs migrations
 *   under a lock, `openServiceDatabase` does both steps.
 */
export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  const schema = options.schema;
  quoteIdent(schema);
  const own = toArray(options.migrations);
  const hasOutbox = own.some(isOutboxInboxMigration);
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema,
    entities: options.entities ?? [],
    migrations: hasOutbox ? own : [outboxInboxMigration(schema), ...own],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    // Extensions are created by migrations, never implicitly at connect time.
    installExtensions: false,
    poolSize: options.poolSize ?? 10,
    logging: options.logging ?? false,
    ...(options.logger ? { logger: options.logger } : {}),
    applicationName: options.applicationName ?? `leap-${schema}`,
    extra: {
      options: `-c search_path=${quoteIdent(schema)},public -c idle_in_transaction_session_timeout=${Math.max(0, Math.round(options.idleInTransactionTimeoutMs ?? 60_000))}`,
    },
  });
}

/** The schema a DataSource built by `createServiceDataSource` is bound to. */
export function serviceSchemaOf(dataSource: DataSource): string {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('The DataSource has no schema: build it with createServiceDataSource()');
  return schema;
}

function toArray<T>(list: MixedList<T> | undefined): T[] {
  if (!list) return [];
  return Array.isArray(list) ? [...list] : Object.values(list);
}
