/**
 * `npm run storage:migrate -- --to s3|local [--tenant <userId>] [--concurrency <n>]`
 * `npm run storage:migrate -- --rollback [--tenant <userId>]`
 *
 * Moves the object store (or one tenant's folder) between the local disk and S3 with a progress
 * bar, verifying every object's SHA-256 at the target, then switches the backend recorded in the
 * storage schema. Run again after an interruption: it resumes. Settings come from the environment
 * as for the storage service (DATABASE_URL, STORAGE_BACKEND, STORAGE_LOCAL_ROOT, S3_*); exit code
 * 0 when done, 1 on a failure, 2 on wrong arguments.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadConfig, loadConfigOrExit } from '@leap/config';
import { openServiceDatabase } from '@leap/persistence';
import { createObjectStore, type ObjectStore } from '@leap/storage-client';
import { storageConfigSchema } from '../config/config.schema';
import { storageMigrations } from '../migrations';
import { BackendMigrationRepository, WHOLE_STORE, type Backend } from './backend-migration.repository';
import { BackendMigrationService } from './backend-migration.service';
import { progressLine } from './progress';

/** What the migration reads of the storage service's settings: the database and both backends, not the broker. */
const migrateConfigSchema = storageConfigSchema.pick({
  NODE_ENV: true,
  DATABASE_URL: true,
  DATABASE_SCHEMA: true,
  STORAGE_BACKEND: true,
  STORAGE_LOCAL_ROOT: true,
  S3_BUCKET: true,
  S3_REGION: true,
  S3_ENDPOINT: true,
  S3_ACCESS_KEY_ID: true,
  S3_SECRET_ACCESS_KEY: true,
  S3_PREFIX: true,
  S3_FORCE_PATH_STYLE: true,
  S3_PUBLIC_ENDPOINT: true,
  S3_PART_SIZE: true,
  S3_UPLOAD_CONCURRENCY: true,
});

const USAGE = 'usage: npm run storage:migrate -- --to s3|local [--tenant <userId>] [--concurrency <n>]\n       npm run storage:migrate -- --rollback [--tenant <userId>]';

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let args;
  try {
    args = parseArgs({ options: { to: { type: 'string' }, tenant: { type: 'string' }, rollback: { type: 'boolean' }, concurrency: { type: 'string' }, help: { type: 'boolean' } } }).values;
  } catch (error) {
    usage((error as Error).message);
  }
  if (args.help) usage('Moves the object store between backends.');
  if (Boolean(args.rollback) === (args.to !== undefined)) usage('Give either --to or --rollback.');
  if (args.to !== undefined && args.to !== 's3' && args.to !== 'local') usage(`--to must be s3 or local, not ${JSON.stringify(args.to)}`);
  if (args.tenant !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(args.tenant)) usage(`--tenant must be a user id, not ${JSON.stringify(args.tenant)}`);
  const concurrency = args.concurrency === undefined ? 4 : Number(args.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) usage('--concurrency must be 1 to 64');

  const config = loadConfigOrExit('storage', migrateConfigSchema);
  const stores: Record<Backend, () => ObjectStore> = {
    local: once(() => createObjectStore({ ...config, STORAGE_BACKEND: 'local' })),
    // The S3 settings are required as soon as S3 is one side of the migration, whatever STORAGE_BACKEND says.
    s3: once(() => createObjectStore(loadConfig('storage', migrateConfigSchema, { ...process.env, STORAGE_BACKEND: 's3' }))),
  };
  const db = await openServiceDatabase({ url: config.DATABASE_URL, schema: config.DATABASE_SCHEMA, migrations: storageMigrations, poolSize: 2, applicationName: 'leap-storage-migrate' });
  const service = new BackendMigrationService(new BackendMigrationRepository(db), stores, config.STORAGE_BACKEND);
  const scope = args.tenant ?? WHOLE_STORE;
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const options = {
    concurrency,
    log: (line: string) => process.stderr.write(`${tty ? '\r\u001b[K' : ''}${line}\n`),
    onProgress: (p: Parameters<typeof progressLine>[0]) => {
      const done = p.objectsDone === p.objectsTotal;
      // On a terminal the bar is redrawn in place; in a log, one line a second and the last one.
      if (tty) process.stderr.write(`\r\u001b[K${progressLine(p)}`);
      else if (done || p.now - lastLine >= 1000) {
        lastLine = p.now;
        process.stderr.write(`${progressLine(p)}\n`);
      }
    },
  };
  try {
    const report = args.rollback ? await service.rollback(scope, options) : await service.migrate(scope, args.to as Backend, options);
    if (tty) process.stderr.write('\n');
    if (report) {
      const { run } = report;
      process.stdout.write(
        `${run.rollbackOf ? 'rolled back' : 'migrated'} ${scope === WHOLE_STORE ? 'the whole store' : `tenant ${scope}`} from ${run.fromBackend} to ${run.toBackend}: ` +
          `${report.verified} objects verified in this run (${report.copied} copied), ${report.bytes} bytes in all; the catalogue's backend is ${run.toBackend}.\n`,
      );
      if (scope === WHOLE_STORE && run.toBackend !== config.STORAGE_BACKEND) {
        process.stdout.write(`Set STORAGE_BACKEND=${run.toBackend} for every service and restart them; the storage service warns while they differ.\n`);
      }
    }
  } finally {
    await db.destroy();
  }
}

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

main().catch((error: Error & { code?: string }) => {
  process.stderr.write(`\nstorage:migrate failed${error.code ? ` (${error.code})` : ''}: ${error.message}\n`);
  process.exit(1);
});
