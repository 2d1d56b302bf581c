import { Client } from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { OUTBOX_INBOX_MIGRATION_NAME } from '@leap/persistence';
import { createPlatformDatabase, PLATFORM_TEMPLATE_ENV, platformTemplate, platformTemplateKey, type TestDatabase, withAdminClient } from '@leap/testing';
import { platformRegistry } from './jest/platform-registry';

const SERVICE_MIGRATIONS = platformRegistry();

const SCHEMAS = ['gateway', 'ingest', 'media_processing', 'transcription', 'publishing', 'storage', 'quota'];

describe('platform template', () => {
  let db: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    db = await createPlatformDatabase();
    client = new Client({ connectionString: db.url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    await db.drop();
  });

  it('is built by the global setup and named through the environment', async () => {
    expect(process.env[PLATFORM_TEMPLATE_ENV]).toBe(platformTemplate());
    expect(platformTemplate()).toMatch(/^leap_tpl_platform_[0-9a-f]{16}$/);
    const rows = await withAdminClient(async (c) =>
      (await c.query('SELECT datistemplate, datallowconn FROM pg_database WHERE datname = $1', [platformTemplate()])).rows,
    );
    expect(rows).toEqual([{ datistemplate: true, datallowconn: false }]);
  });

  it('gives every service schema its migrations table, outbox and inbox', async () => {
    expect(SERVICE_MIGRATIONS.map((s) => s.schema).sort()).toEqual([...SCHEMAS].sort());
    for (const schema of SCHEMAS) {
      const { rows: tables } = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [schema],
      );
      expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['inbox', 'migrations', 'outbox']));
      const { rows: applied } = await client.query<{ name: string }>(`SELECT name FROM "${schema}".migrations ORDER BY id`);
      expect(applied[0]).toEqual({ name: OUTBOX_INBOX_MIGRATION_NAME });
      expect(applied.map((a) => a.name)).toEqual([
        OUTBOX_INBOX_MIGRATION_NAME,
        ...SERVICE_MIGRATIONS.find((s) => s.schema === schema)!.migrations.map((m) => m.name),
      ]);
    }
  });

  it('changes its key, and so its template, when a service migration changes', () => {
    // The same migration before and after an edit: same class name, different source.
    const v1 = (() => {
      class AddThing1760000000000 implements MigrationInterface {
        async up(q: QueryRunner): Promise<void> {
          await q.query('CREATE TABLE thing (id int)');
        }
        async down(): Promise<void> {}
      }
      return AddThing1760000000000;
    })();
    const v2 = (() => {
      class AddThing1760000000000 implements MigrationInterface {
        async up(q: QueryRunner): Promise<void> {
          await q.query('CREATE TABLE thing (id bigint)');
        }
        async down(): Promise<void> {}
      }
      return AddThing1760000000000;
    })();
    const base = platformTemplateKey(SERVICE_MIGRATIONS);
    const withOne = platformTemplateKey([{ schema: 'quota', migrations: [v1] }]);
    const edited = platformTemplateKey([{ schema: 'quota', migrations: [v2] }]);
    expect(base).toBe(platformTemplateKey(SERVICE_MIGRATIONS));
    expect(base).toMatch(/^platform:[0-9a-f]{64}$/);
    expect(new Set([base, withOne, edited]).size).toBe(3);
  });
});
