import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openServiceDatabase, outboxInboxDdl } from '@leap/persistence';
import { createTestDatabase, type TestDatabase } from './infra';
import type { MigrationClass } from '@leap/persistence';
import { ensureTemplateDatabase } from './templates';

/** Environment variable through which the Jest global setup hands the template name to test files. */
export const PLATFORM_TEMPLATE_ENV = 'LEAP_TEST_TEMPLATE';

/** Set instead when the global setup could not build the template: why. */
export const PLATFORM_TEMPLATE_ERROR_ENV = 'LEAP_TEST_TEMPLATE_ERROR';

const REPOSITORY_ROOT = resolve(__dirname, '../../..');

/** One service schema of the platform template and the migrations that build it. */
export interface ServiceMigrations {
  /** The service's Postgres schema. */
  schema: string;
  /** The service's own migrations; the outbox/inbox migration is always applied before them. */
  migrations: MigrationClass[];
  /**
   * Files or folders (relative to the repository root) whose contents also go into the template's
   * hash, for migrations that read SQL or constants from other modules. The migration classes'
   * own source is always hashed.
   */
  sources?: string[];
}

/** `platform:<sha-256 of every schema's DDL and migration sources>`. */
export function platformTemplateKey(registry: ServiceMigrations[]): string {
  const hash = createHash('sha256');
  for (const { schema, migrations, sources = [] } of registry) {
    hash.update(`schema ${schema}\n`);
    for (const sql of outboxInboxDdl(schema)) hash.update(sql);
    for (const migration of migrations) hash.update(`migration ${migration.name}\n${String(migration)}`);
    for (const source of sources) hashPath(hash, resolve(REPOSITORY_ROOT, source));
  }
  return `platform:${hash.digest('hex')}`;
}

function hashPath(hash: ReturnType<typeof createHash>, path: string): void {
  if (!existsSync(path)) throw new Error(`Migration source ${path} listed for the platform template does not exist`);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) hashPath(hash, join(path, entry));
  } else {
    hash.update(`file ${path}\n`).update(readFileSync(path));
  }
}

/**
 * Builds (or reuses) the platform template: one database holding every service schema with its
 * outbox, inbox and migrations applied through @leap/persistence. Returns its name.
 */
export async function ensurePlatformTemplate(registry: ServiceMigrations[]): Promise<string> {
  return ensureTemplateDatabase(platformTemplateKey(registry), async (url) => {
    for (const { schema, migrations } of registry) {
      const dataSource = await openServiceDatabase({ url, schema, migrations, poolSize: 1, applicationName: 'leap-test-template' });
      await dataSource.destroy();
    }
  });
}

/** Name of the platform template built by the Jest global setup. */
export function platformTemplate(): string {
  const name = process.env[PLATFORM_TEMPLATE_ENV];
  const failure = process.env[PLATFORM_TEMPLATE_ERROR_ENV];
  if (!name && failure) throw new Error(`The platform template could not be built: ${failure}`);
  if (!name) {
    throw new Error(
      `${PLATFORM_TEMPLATE_ENV} is not set: run the tests through the repository's jest.config.js, whose ` +
        'global setup (scripts/jest/global-setup.ts) builds the platform template',
    );
  }
  return name;
}

/** A database of its own for one test file, cloned from the platform template. */
export function createPlatformDatabase(prefix?: string): Promise<TestDatabase> {
  return createTestDatabase({ template: platformTemplate(), prefix });
}
