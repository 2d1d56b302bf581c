import { Column, Entity, PrimaryGeneratedColumn, type DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@leap/testing';
import { migrateServiceSchema, MIGRATION_LOCK_NAMESPACE, MigrationFailedError, openServiceDatabase } from './migrate';
import { type MigrationClass, OUTBOX_INBOX_MIGRATION_NAME } from './outbox-inbox.migration';
import { createServiceDataSource } from './data-source';

@Entity('notes')
class Note {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('text')
  body!: string;
}

// Unqualified names: they land in the DataSource's schema through its search_path.
class CreateNotes1700000000001 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE notes');
  }
}

class CreateRunLog1700000000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE run_log (migration text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE run_log');
  }
}

/** Slow on purpose, and not idempotent: a second run would leave a second row. */
class SlowBackfill1700000000003 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('SELECT pg_sleep(0.5)');
    await q.query(`INSERT INTO run_log (migration) VALUES ('SlowBackfill')`);
  }
  async down(): Promise<void> {}
}

class CreateTags1700000000004 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE tags (name text PRIMARY KEY)');
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE tags');
  }
}

class BrokenIndex1700000000005 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE TABLE half_done (id int)');
    await q.query('CREATE INDEX half_done_idx ON half_done (no_such_column)');
  }
  async down(): Promise<void> {}
}

describe('service database (schema, migrations, lock)', () => {
  let db: TestDatabase;
  let admin: Client;
  const open: DataSource[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'leap_test_persistence' });
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((ds) => (ds.isInitialized ? ds.destroy() : undefined)));
  });

  afterAll(async () => {
    await admin.end();
    await db.drop();
  });

  async function openTracked(schema: string, migrations: MigrationClass[], entities: (new () => object)[] = []): Promise<DataSource> {
    const ds = await openServiceDatabase({ url: db.url, schema, migrations, entities, poolSize: 2 });
    open.push(ds);
    return ds;
  }

  async function tablesOf(schema: string): Promise<string[]> {
    const { rows } = await admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    return rows.map((r) => r.table_name);
  }

  async function migrationsOf(schema: string): Promise<string[]> {
    const { rows } = await admin.query<{ name: string }>(`SELECT name FROM "${schema}".migrations ORDER BY id`);
    return rows.map((r) => r.name);
  }

  it('creates the schema, its migrations table, the outbox and inbox first, and resolves entities in it', async () => {
    const ds = await openTracked('svc_alpha', [CreateNotes1700000000001], [Note]);

    expect(await tablesOf('svc_alpha')).toEqual(['inbox', 'migrations', 'notes', 'outbox']);
    expect(await migrationsOf('svc_alpha')).toEqual([OUTBOX_INBOX_MIGRATION_NAME, 'CreateNotes1700000000001']);
    expect(await tablesOf('public')).toEqual([]);

    await ds.getRepository(Note).save({ body: 'written through the entity' });
    const { rows } = await admin.query('SELECT body FROM svc_alpha.notes');
    expect(rows).toEqual([{ body: 'written through the entity' }]);
    expect(await ds.query(`SELECT current_schema() AS s, current_setting('application_name') AS app`)).toEqual([
      { s: 'svc_alpha', app: 'leap-svc_alpha' },
    ]);
  });

  it('keeps two schemas in one database apart, even with the same table names', async () => {
    const a = await openTracked('svc_left', [CreateNotes1700000000001], [Note]);
    const b = await openTracked('svc_right', [CreateNotes1700000000001], [Note]);

    await a.getRepository(Note).save([{ body: 'left 1' }, { body: 'left 2' }]);
    await b.getRepository(Note).save({ body: 'right 1' });

    expect((await a.getRepository(Note).find({ order: { id: 'ASC' } })).map((n) => n.body)).toEqual(['left 1', 'left 2']);
    expect((await b.getRepository(Note).find()).map((n) => n.body)).toEqual(['right 1']);
    await a.query(`INSERT INTO outbox (id, exchange, routing_key, aggregate_id, message) VALUES (gen_random_uuid(), 'x', 'k', 'agg', '{}')`);
    expect(await b.query('SELECT count(*)::int AS n FROM outbox')).toEqual([{ n: 0 }]);
    expect(await tablesOf('svc_left')).toEqual(await tablesOf('svc_right'));
  });

  it('runs each migration once when two replicas start at the same time', async () => {
    const migrations = [CreateRunLog1700000000002, SlowBackfill1700000000003];
    const [first, second] = await Promise.all([openTracked('svc_race', migrations), openTracked('svc_race', migrations)]);

    expect(first.isInitialized && second.isInitialized).toBe(true);
    expect(await migrationsOf('svc_race')).toEqual([OUTBOX_INBOX_MIGRATION_NAME, 'CreateRunLog1700000000002', 'SlowBackfill1700000000003']);
    const { rows } = await admin.query('SELECT migration FROM svc_race.run_log');
    expect(rows).toEqual([{ migration: 'SlowBackfill' }]);
  });

  it('waits for the advisory lock of its schema before migrating', async () => {
    const holder = new Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_NAMESPACE, 'svc_locked']);
      let done = false;
      const opening = openTracked('svc_locked', [CreateTags1700000000004]).then((ds) => ((done = true), ds));
      await new Promise((r) => setTimeout(r, 700));
      expect(done).toBe(false);
      expect(await tablesOf('svc_locked')).toEqual([]);

      await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_NAMESPACE, 'svc_locked']);
      await opening;
      expect(await tablesOf('svc_locked')).toEqual(['inbox', 'migrations', 'outbox', 'tags']);
    } finally {
      await holder.end();
    }
  });

  it('does nothing when re-opened with no new migration, and runs only the new one when one is added', async () => {
    const first = await openTracked('svc_reopen', [CreateNotes1700000000001]);
    await first.destroy();

    const again = createServiceDataSource({ url: db.url, schema: 'svc_reopen', migrations: [CreateNotes1700000000001] });
    await again.initialize();
    open.push(again);
    expect(await migrateServiceSchema(again)).toEqual([]);
    await again.destroy();

    const upgraded = createServiceDataSource({ url: db.url, schema: 'svc_reopen', migrations: [CreateNotes1700000000001, CreateTags1700000000004] });
    await upgraded.initialize();
    open.push(upgraded);
    expect(await migrateServiceSchema(upgraded)).toEqual(['CreateTags1700000000004']);
    expect(await migrationsOf('svc_reopen')).toEqual([OUTBOX_INBOX_MIGRATION_NAME, 'CreateNotes1700000000001', 'CreateTags1700000000004']);
  });

  it('rolls a failing migration back and stops start-up with an error naming it', async () => {
    const opening = openServiceDatabase({
      url: db.url,
      schema: 'svc_broken',
      migrations: [CreateTags1700000000004, BrokenIndex1700000000005],
    });

    const error = await opening.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MigrationFailedError);
    expect((error as MigrationFailedError).migration).toBe('BrokenIndex1700000000005');
    expect((error as Error).message).toMatch(
      /Migrating schema "svc_broken" failed at migration "BrokenIndex1700000000005": column "no_such_column" does not exist/,
    );
    // The migrations before it committed; nothing of the failed one remains.
    expect(await tablesOf('svc_broken')).toEqual(['inbox', 'migrations', 'outbox', 'tags']);
    expect(await migrationsOf('svc_broken')).toEqual([OUTBOX_INBOX_MIGRATION_NAME, 'CreateTags1700000000004']);
    // And no connection of the failed start-up is left behind.
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'leap-svc_broken'`);
    expect(rows).toEqual([{ n: 0 }]);
  });
});
