import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase, withAdminClient, type TestDatabase } from './infra';
import { dropTemplateDatabase, ensureTemplateDatabase, templateDatabaseName, templateExists } from './templates';

async function query<T = Record<string, unknown>>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

async function databaseExists(name: string): Promise<boolean> {
  return withAdminClient(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
}

describe('migrated template databases', () => {
  const family = `tplspec${randomBytes(3).toString('hex')}`;
  const templates = new Set<string>();
  const clones: TestDatabase[] = [];

  afterAll(async () => {
    await Promise.all(clones.map((c) => c.drop()));
    for (const name of templates) await dropTemplateDatabase(name);
  });

  const migrateWidgets = (calls: string[]) => async (url: string) => {
    calls.push(url);
    await query(url, 'CREATE TABLE widgets (id int PRIMARY KEY, label text)');
    await query(url, `INSERT INTO widgets VALUES (1, 'from the template')`);
  };

  it('builds a template once when many workers ask at the same time, and clones carry its data', async () => {
    const key = `${family}:v1`;
    const calls: string[] = [];
    const names = await Promise.all([1, 2, 3, 4].map(() => ensureTemplateDatabase(key, migrateWidgets(calls))));
    names.forEach((n) => templates.add(n));

    expect(new Set(names)).toEqual(new Set([templateDatabaseName(key)]));
    expect(names[0]).toMatch(new RegExp(`^leap_tpl_${family}_[0-9a-f]{16}$`));
    expect(calls).toHaveLength(1);
    expect(await templateExists(names[0])).toBe(true);

    const [a, b] = await Promise.all([createTestDatabase({ template: names[0] }), createTestDatabase({ template: names[0] })]);
    clones.push(a, b);
    expect(await query(a.url, 'SELECT label FROM widgets')).toEqual([{ label: 'from the template' }]);
    await query(a.url, `UPDATE widgets SET label = 'changed in a'`);
    expect(await query(b.url, 'SELECT label FROM widgets')).toEqual([{ label: 'from the template' }]);
  });

  it('reuses the template on the next run without migrating again', async () => {
    const calls: string[] = [];
    const name = await ensureTemplateDatabase(`${family}:v1`, migrateWidgets(calls));
    templates.add(name);
    expect(calls).toEqual([]);
  });

  it('refuses connections to the template itself', async () => {
    await expect(query(`postgres://postgres@127.0.0.1:5432/${templateDatabaseName(`${family}:v1`)}`, 'SELECT 1')).rejects.toThrow(
      /not currently accepting connections/,
    );
  });

  it('drops an older template of the same family once it is stale, and keeps other families', async () => {
    const old = templateDatabaseName(`${family}:v1`);
    const otherFamily = await ensureTemplateDatabase(`${family}other:v1`, migrateWidgets([]));
    templates.add(otherFamily);

    const fresh = await ensureTemplateDatabase(`${family}:v2`, migrateWidgets([]));
    templates.add(fresh);
    // Still within the grace period: a run started earlier may be cloning from it.
    expect(await databaseExists(old)).toBe(true);

    await ensureTemplateDatabase(`${family}:v2`, migrateWidgets([]), { staleAfterMs: 0 });
    expect(await databaseExists(old)).toBe(false);
    expect(await templateExists(fresh)).toBe(true);
    expect(await templateExists(otherFamily)).toBe(true);
  });

  it('leaves nothing behind when the migration fails, and builds it on the next try', async () => {
    const key = `${family}:broken`;
    await expect(
      ensureTemplateDatabase(key, async (url) => {
        await query(url, 'CREATE TABLE nope (id int REFERENCES missing_table (id))');
      }),
    ).rejects.toThrow(/Building template database leap_tpl_\w+ for "tplspec\w+:broken" failed: relation "missing_table" does not exist/);
    expect(await databaseExists(templateDatabaseName(key))).toBe(false);

    const calls: string[] = [];
    templates.add(await ensureTemplateDatabase(key, migrateWidgets(calls)));
    expect(calls).toHaveLength(1);
  });

  it('retries a clone while another session is connected to the source database', async () => {
    const source = await createTestDatabase();
    clones.push(source);
    await query(source.url, 'CREATE TABLE marker (v text)');
    const blocker = new Client({ connectionString: source.url });
    await blocker.connect();
    const release = setTimeout(() => void blocker.end(), 600);
    try {
      const started = Date.now();
      const clone = await createTestDatabase({ template: source.name });
      clones.push(clone);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(await query(clone.url, 'SELECT count(*)::int AS n FROM marker')).toEqual([{ n: 0 }]);
    } finally {
      clearTimeout(release);
      await blocker.end().catch(() => undefined);
    }
  });
});
