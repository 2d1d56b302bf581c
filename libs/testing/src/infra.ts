import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** The machine's real servers; override with TEST_PG_URL / TEST_AMQP_URL. */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/**
 * Every database and vhost made for a test starts with this prefix, so the leftover cleanup
 * (see `cleanupTestResources`) can find the ones a crashed run left behind.
 */
export const TEST_RESOURCE_PREFIX = 'leap_test';

const MAX_IDENTIFIER_LENGTH = 63;

/**
 * `<prefix>_<creation time, base 36 ms>_<8 hex>`; the creation time in the name tells the
 * cleanup how old a leftover is. A prefix not starting with `leap_test` gets it in front.
 */
export function uniqueName(prefix: string = TEST_RESOURCE_PREFIX): string {
  const base = prefix.startsWith(TEST_RESOURCE_PREFIX) ? prefix : `${TEST_RESOURCE_PREFIX}_${prefix}`;
  const name = `${base}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(`Test resource prefix "${prefix}" must be lower-case letters, digits and _, and short`);
  }
  return name;
}

/** When a name made by `uniqueName` was made, or undefined for other names. */
export function createdAtOfUniqueName(name: string): Date | undefined {
  const match = /_([0-9a-z]{6,12})_[0-9a-f]{8}$/.exec(name);
  if (!match || !name.startsWith(TEST_RESOURCE_PREFIX)) return undefined;
  const ms = parseInt(match[1], 36);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms) : undefined;
}

/** The same connection string pointing at another database. */
export function databaseUrl(database: string, url: string = TEST_PG_URL): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `fn` with a client connected to the administrative database (TEST_PG_URL). */
export async function withAdminClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_PG_URL, application_name: 'leap-test-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Postgres refuses to copy a template while another session is connected to it (55006). */
const OBJECT_IN_USE = '55006';

/**
 * A fresh database of its own for one test file, optionally cloned from a migrated template
 * (`ensureTemplateDatabase`, `platformTemplate()`). A clone that collides with another session
 * on the template is retried for up to ten seconds.
 */
export async function createTestDatabase(options: { template?: string; prefix?: string } = {}): Promise<TestDatabase> {
  const name = uniqueName(options.prefix ?? TEST_RESOURCE_PREFIX);
  const template = options.template ? ` TEMPLATE "${assertIdentifier(options.template)}"` : '';
  await withAdminClient(async (c) => {
    const deadline = Date.now() + 10_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE "${name}"${template}`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== OBJECT_IN_USE || Date.now() > deadline) throw error;
        await sleep(Math.min(50 * attempt, 500));
      }
    }
  });
  return { name, url: databaseUrl(name), drop: () => dropDatabase(name) };
}

/** Drops a database, disconnecting whoever is still connected to it. */
export async function dropDatabase(name: string): Promise<void> {
  await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${assertIdentifier(name)}" WITH (FORCE)`));
}

export interface TestVhost {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Runs `rabbitmqctl -q <args>` and returns its output. */
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/** A RabbitMQ virtual host of its own for one test file, with full rights for the test user. */
export async function createTestVhost(prefix = TEST_RESOURCE_PREFIX): Promise<TestVhost> {
  const name = uniqueName(prefix);
  const base = new URL(TEST_AMQP_URL);
  await rabbitmqctl('add_vhost', name);
  await rabbitmqctl('set_permissions', '-p', name, decodeURIComponent(base.username || 'guest'), '.*', '.*', '.*');
  const url = new URL(TEST_AMQP_URL);
  url.pathname = `/${encodeURIComponent(name)}`;
  return { name, url: url.toString(), drop: () => deleteVhost(name) };
}

/** Deletes a vhost; one that is already gone is not an error. */
export async function deleteVhost(name: string): Promise<void> {
  try {
    await rabbitmqctl('delete_vhost', name);
  } catch (error) {
    if (!/does not exist|no_such_vhost/i.test(String((error as { stderr?: string }).stderr ?? error))) throw error;
  }
}

export function assertIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || name.length > MAX_IDENTIFIER_LENGTH) {
    throw new Error(`Unsafe database name: ${name}`);
  }
  return name;
}
