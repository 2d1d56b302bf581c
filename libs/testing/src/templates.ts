import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import { assertIdentifier, databaseUrl, withAdminClient } from './infra';

/** Template databases are named `leap_tpl_<family>_<16 hex of sha-256(key)>`. */
export const TEMPLATE_PREFIX = 'leap_tpl';

/** First key of the advisory lock (in the admin database) that guards building a template family. */
export const TEMPLATE_LOCK_NAMESPACE = 0x4c545450; // "LTTP"

const STAMP = /last used (\d{4}-\d\d-\d\dT[\d:.]+Z)/;

export interface EnsureTemplateOptions {
  /**
   * A template of the same family with another hash is dropped once it has not been used for this
   * long (default one hour), so a run still cloning from it (started before a migration changed)
   * keeps working.
   */
  staleAfterMs?: number;
}

/**
 * The family of a key is its part before the first `:` (`platform:3f9a…` → `platform`); templates
 * of one family replace each other as their migrations change.
 */
export function templateFamily(key: string): string {
  const family = key
    .split(':')[0]
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 30);
  return family || 'default';
}

export function templateDatabaseName(key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  return `${TEMPLATE_PREFIX}_${templateFamily(key)}_${hash}`;
}

/**
 * A migrated template database for `key`, built once: the first caller creates an empty database,
 * runs `migrate(url)` on it and marks it as a template (connections then refused, so clones never
 * collide with a stray session); every other caller, in this process or another Jest worker, waits
 * on an advisory lock and reuses it. Callers put a hash of their migration sources in `key`, so a
 * changed migration yields a new template; older templates of the same family are dropped once
 * unused (see `staleAfterMs`). Returns the template's name, for `createTestDatabase({ template })`.
 */
export async function ensureTemplateDatabase(
  key: string,
  migrate: (url: string) => Promise<void>,
  options: EnsureTemplateOptions = {},
): Promise<string> {
  const family = templateFamily(key);
  const name = templateDatabaseName(key);
  await withAdminClient(async (c) => {
    await c.query('SELECT pg_advisory_lock($1, hashtext($2))', [TEMPLATE_LOCK_NAMESPACE, family]);
    try {
      const { rows } = await c.query<{ datistemplate: boolean }>('SELECT datistemplate FROM pg_database WHERE datname = $1', [name]);
      if (!rows[0]?.datistemplate) await build(c, key, name, migrate, rows.length > 0);
      await stamp(c, name);
      await dropTemplates(c, family, name, options.staleAfterMs ?? 3_600_000);
    } finally {
      await c.query('SELECT pg_advisory_unlock($1, hashtext($2))', [TEMPLATE_LOCK_NAMESPACE, family]);
    }
  });
  return name;
}

async function build(c: Client, key: string, name: string, migrate: (url: string) => Promise<void>, leftover: boolean): Promise<void> {
  // A database of this name that is not a template yet is what a crashed build left behind.
  if (leftover) await c.query(`DROP DATABASE "${name}" WITH (FORCE)`);
  await c.query(`CREATE DATABASE "${name}"`);
  try {
    await migrate(databaseUrl(name));
    await c.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  } catch (error) {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    throw new Error(`Building template database ${name} for "${key}" failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

async function stamp(c: Client, name: string): Promise<void> {
  await c.query(`COMMENT ON DATABASE "${name}" IS 'leap test template, last used ${new Date().toISOString()}'`);
}

/** Drops templates of `family` (every family if undefined), except `keep`, unused for `unusedForMs`. */
async function dropTemplates(c: Client, family: string | undefined, keep: string | undefined, unusedForMs: number): Promise<string[]> {
  const { rows } = await c.query<{ datname: string; comment: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE $1`,
    [`${TEMPLATE_PREFIX}\\_%`],
  );
  const dropped: string[] = [];
  for (const { datname, comment } of rows) {
    const match = /^leap_tpl_([a-z0-9_]+)_[0-9a-f]{16}$/.exec(datname);
    if (!match || datname === keep || (family !== undefined && match[1] !== family)) continue;
    const lastUsed = STAMP.exec(comment ?? '')?.[1];
    if (lastUsed && Date.now() - Date.parse(lastUsed) < unusedForMs) continue;
    try {
      await c.query(`ALTER DATABASE "${datname}" WITH IS_TEMPLATE false`);
      await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      dropped.push(datname);
    } catch {
      // Being cloned right now or already dropped by a concurrent run: the next run retries.
    }
  }
  return dropped;
}

/**
 * Drops every template database (any family) not used for `unusedForMs`, skipping families whose
 * lock is held by a build in progress. Returns the names dropped.
 */
export async function dropUnusedTemplates(unusedForMs: number): Promise<string[]> {
  return withAdminClient(async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`${TEMPLATE_PREFIX}\\_%`]);
    const families = new Set(rows.map((r) => /^leap_tpl_([a-z0-9_]+)_[0-9a-f]{16}$/.exec(r.datname)?.[1]).filter((f): f is string => !!f));
    const dropped: string[] = [];
    for (const family of families) {
      const { rows: locked } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [TEMPLATE_LOCK_NAMESPACE, family]);
      if (!locked[0].ok) continue;
      try {
        dropped.push(...(await dropTemplates(c, family, undefined, unusedForMs)));
      } finally {
        await c.query('SELECT pg_advisory_unlock($1, hashtext($2))', [TEMPLATE_LOCK_NAMESPACE, family]);
      }
    }
    return dropped;
  });
}

/** Drops one template database now (tests that build their own templates clean up with it). */
export async function dropTemplateDatabase(name: string): Promise<void> {
  assertIdentifier(name);
  await withAdminClient(async (c) => {
    await c.query(`ALTER DATABASE "${name}" WITH IS_TEMPLATE false`).catch(() => undefined);
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/** Whether a template database of this name exists and is complete. */
export async function templateExists(name: string): Promise<boolean> {
  return withAdminClient(async (c) => {
    const { rows } = await c.query<{ datistemplate: boolean }>('SELECT datistemplate FROM pg_database WHERE datname = $1', [name]);
    return rows[0]?.datistemplate === true;
  });
}
