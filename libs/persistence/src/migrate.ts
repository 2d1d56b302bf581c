import { type DataSource, MigrationExecutor } from 'typeorm';
import { createServiceDataSource, serviceSchemaOf, type ServiceDataSourceOptions } from './data-source';
import { quoteIdent } from './outbox-inbox.sql';

/**
 * First key of the advisory lock that serializes migrations (`pg_advisory_lock(ns, hashtext(schema))`);
 * the second key is the schema name, so services sharing a database migrate independently.
 */
export const MIGRATION_LOCK_NAMESPACE = 0x4c454150; // "LEAP"

/** Start-up stopped because a migration failed; that migration's transaction was rolled back. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';

  constructor(
    readonly schema: string,
    readonly migration: string | undefined,
    override readonly cause: unknown,
  ) {
    super(
      `Migrating schema "${schema}" failed${migration ? ` at migration "${migration}"` : ''}: ` +
        `${cause instanceof Error ? cause.message : String(cause)}. ` +
        'The failed migration was rolled back and later migrations were not run.',
    );
  }
}

/**
 * Brings the DataSource's schema up to date: creates the schema if it is missing, then runs the
 * pending migrations in timestamp order, each in its own transaction. Replicas starting at the
 * same time queue on a Postgres advisory lock keyed by the schema name, so a migration runs once;
 * the ones that wait find nothing left to do. Returns the names of the migrations it ran.
 */
export async function migrateServiceSchema(dataSource: DataSource): Promise<string[]> {
  const schema = serviceSchemaOf(dataSource);
  if (!dataSource.isInitialized) throw new Error(`The DataSource for schema "${schema}" is not initialized`);
  // One connection holds the lock and runs the migrations, so a pool of one is enough.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_NAMESPACE, schema]);
    try {
      const found = await runner.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      // Checked first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
      // schema exists, which a service role in production does not have.
      if (found.length === 0) await runner.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'each';
      try {
        const executed = await executor.executePendingMigrations();
        return executed.map((m) => m.name);
      } catch (error) {
        // Migrations run in order and each one commits on its own: the first one still pending failed.
        const pending = await executor.getPendingMigrations().catch(() => []);
        throw new MigrationFailedError(schema, pending[0]?.name, error);
      }
    } finally {
      await runner
        .query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_NAMESPACE, schema])
        .catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/**
 * What a service calls at start-up: a DataSource bound to its schema, connected, with the
 * schema created and every migration (outbox and inbox first) applied. If a migration fails,
 * the DataSource is closed and a `MigrationFailedError` says which migration and why.
 */
export async function openServiceDatabase(options: ServiceDataSourceOptions): Promise<DataSource> {
  const dataSource = createServiceDataSource(options);
  await dataSource.initialize();
  try {
    await migrateServiceSchema(dataSource);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}
