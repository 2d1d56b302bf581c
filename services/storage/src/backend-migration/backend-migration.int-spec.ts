import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { LocalObjectStore, S3ObjectStore, storageKeys, type ObjectStore } from '@leap/storage-client';
import { createPlatformDatabase, eventually, startFakeS3, startProcess, type FakeS3, type ProcessExit, type TestDatabase } from '@leap/testing';

const ROOT = join(__dirname, '..', '..', '..', '..');
const MIGRATE: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['storage:migrate'];
const BUCKET = 'leap-migrate';
const PREFIX = 'migrated';
const ALICE = '0195f1f2-7d3c-7aaa-8bbb-00000000000a';
const BOB = '0195f1f2-7d3c-7aaa-8bbb-00000000000b';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * `npm run storage:migrate` as an operator runs it, as a child process on the real PostgreSQL,
 * from a local store to the fake S3 server on localhost and back.
 */
describe('storage:migrate between the local disk and S3', () => {
  let db: TestDatabase;
  let sql: Client;
  let s3: FakeS3;
  let root: string;
  let local: LocalObjectStore;
  let bucket: ObjectStore;
  /** Every object of the store before the migration: key → SHA-256. */
  const original = new Map<string, string>();
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_storage_migrate');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    s3 = await startFakeS3({ buckets: [BUCKET] });
    root = await mkdtemp(join(tmpdir(), 'leap-migrate-'));
    local = new LocalObjectStore(root);
    const s3Settings = { S3_BUCKET: BUCKET, S3_REGION: s3.region, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, S3_FORCE_PATH_STYLE: 'true', S3_PREFIX: PREFIX };
    bucket = new S3ObjectStore({ bucket: BUCKET, region: s3.region, endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, forcePathStyle: true, prefix: PREFIX });
    env = { DATABASE_URL: db.url, STORAGE_BACKEND: 'local', STORAGE_LOCAL_ROOT: root, LOG_LEVEL: 'warn', ...s3Settings };
    // Two tenants' recordings and the shared library: 61 objects, about 19 MiB.
    for (const [user, count] of [[ALICE, 40], [BOB, 20]] as const) {
      for (let i = 0; i < count; i++) {
        const key = storageKeys.source(user, `rec-${String(i).padStart(3, '0')}`, 'mp4');
        const bytes = randomBytes(256 * 1024 + i * 4096);
        await local.put(key, bytes, { contentType: 'video/mp4' });
        original.set(key, sha256(bytes));
      }
    }
    const library = randomBytes(10_000);
    await local.put(storageKeys.sharedThumbnail('lecture.png'), library, { contentType: 'image/png' });
    original.set(storageKeys.sharedThumbnail('lecture.png'), sha256(library));
  }, 300_000);

  afterAll(async () => {
    await sql?.end();
    await s3?.close();
    await db?.drop().catch(() => undefined);
    if (root) await rm(root, { recursive: true, force: true });
  });

  function migrate(...args: string[]) {
    return startProcess({ name: 'storage:migrate', command: 'sh', args: ['-c', `exec ${MIGRATE} "$@"`, 'migrate', ...args], cwd: ROOT, env });
  }

  async function finished(args: string[]): Promise<{ exit: ProcessExit; output: string }> {
    const child = await migrate(...args);
    const exit = await child.exited;
    return { exit, output: child.output() };
  }

  const counts = async () =>
    (await sql.query(`SELECT state, count(*)::int AS n FROM storage.backend_migration_objects GROUP BY state`)).rows.reduce(
      (acc: Record<string, number>, r: { state: string; n: number }) => ({ ...acc, [r.state]: r.n }),
      { pending: 0, copied: 0, verified: 0 } as Record<string, number>,
    );
  const backends = async () => (await sql.query(`SELECT scope, backend, previous_backend FROM storage.object_store_backends ORDER BY scope`)).rows;
  const runs = async () => (await sql.query(`SELECT scope, from_backend, to_backend, state, rollback_of IS NOT NULL AS rollback FROM storage.backend_migrations ORDER BY started_at`)).rows;
  const bucketSums = async () => new Map(await Promise.all(s3.keys(BUCKET).map(async (k) => [k.slice(PREFIX.length + 1), sha256(await bucket.getBuffer(k.slice(PREFIX.length + 1)))] as const)));
  const localSums = async () => new Map(await Promise.all((await local.list('')).map(async (o) => [o.key, sha256(await local.getBuffer(o.key))] as const)));
  const puts = () => s3.operations.PutObject ?? 0;

  it('killed half-way, resumes without copying again what was done, verifies every checksum and switches', async () => {
    const total = original.size;
    const first = await migrate('--to', 's3', '--concurrency', '1');
    // Half-way: a third of the objects verified. It is frozen first, so nothing moves between the look and the kill.
    await eventually(async () => expect((await counts()).verified).toBeGreaterThanOrEqual(Math.floor(total / 3)), { timeoutMs: 60_000, intervalMs: 5 });
    process.kill(first.pid, 'SIGSTOP');
    const atKill = await counts();
    const exit = await first.kill();
    expect(exit.signal).toBe('SIGKILL');
    // The upload in flight either completed from what was already sent, or was cut: wait until the
    // server has read everything the killed process sent (its connections are then closed).
    await eventually(async () => expect(await s3.connections()).toBe(0), { timeoutMs: 30_000, intervalMs: 5 });
    const putsAtKill = puts();
    expect(atKill.verified + atKill.copied).toBeLessThan(total);
    expect(await backends()).toEqual([]);
    expect(await runs()).toEqual([{ scope: '*', from_backend: 'local', to_backend: 's3', state: 'copying', rollback: false }]);

    const second = await finished(['--to', 's3', '--concurrency', '1']);
    expect(second.exit.code).toBe(0);
    expect(second.output).toContain('resuming the migration of the whole store from local to s3');
    expect(second.output).toMatch(/\[#{20}\] 61\/61 objects {2}([\d.]+ MiB)\/\1 {2}[\d.]+ [KMG]?i?B\/s {2}ETA 0s/);
    expect(second.output).toContain('migrated the whole store from local to s3');
    // Only what was not copied yet was copied: the object in flight at the kill is copied again
    // only when its upload had not completed (when it had, the target already holds it, identical).
    const copiedAgain = puts() - putsAtKill;
    const left = total - atKill.verified - atKill.copied;
    expect(copiedAgain).toBeGreaterThanOrEqual(left - 1);
    expect(copiedAgain).toBeLessThanOrEqual(left);
    // No object was written twice to completion.
    expect((await sql.query(`SELECT max(copies)::int AS m FROM storage.backend_migration_objects`)).rows[0].m).toBe(1);

    expect(await counts()).toEqual({ pending: 0, copied: 0, verified: total });
    expect(await bucketSums()).toEqual(original);
    expect(await backends()).toEqual([{ scope: '*', backend: 's3', previous_backend: 'local' }]);
    expect((await runs())[0]).toMatchObject({ state: 'switched' });
    // The source is untouched.
    expect(await localSums()).toEqual(original);

    // Again: nothing to do.
    const again = await finished(['--to', 's3']);
    expect(again.exit.code).toBe(0);
    expect(again.output).toContain('the whole store is on s3 already: nothing to do');
  }, 300_000);

  it('rolls back to the local disk with nothing lost: what was written to S3 since the switch comes back too', async () => {
    // After the switch the services wrote a new recording to S3, and nothing else changed.
    const fresh = randomBytes(300_000);
    const key = storageKeys.source(BOB, 'rec-after-switch', 'mp4');
    await bucket.put(key, fresh, { contentType: 'video/mp4' });
    const putsBefore = puts();

    const rollback = await finished(['--rollback']);
    expect(rollback.exit.code).toBe(0);
    expect(rollback.output).toContain('rolled back the whole store from s3 to local');
    expect(rollback.output).toMatch(/1 copied/);
    expect(puts()).toBe(putsBefore); // nothing was written to S3
    expect(await localSums()).toEqual(new Map([...original, [key, sha256(fresh)]]));
    expect(await backends()).toEqual([{ scope: '*', backend: 'local', previous_backend: 's3' }]);
    expect((await runs()).map((r: any) => `${r.from_backend}->${r.to_backend}:${r.state}:${r.rollback}`)).toEqual(['local->s3:rolled_back:false', 's3->local:switched:true']);
    original.set(key, sha256(fresh));
  }, 300_000);

  it('migrates one tenant, copying nothing the target has already, and refuses wrong arguments', async () => {
    const putsBefore = puts();
    const tenant = await finished(['--tenant', ALICE, '--to', 's3']);
    expect(tenant.exit.code).toBe(0);
    expect(tenant.output).toContain(`migrated tenant ${ALICE} from local to s3: 40 objects verified in this run (0 copied)`);
    expect(puts()).toBe(putsBefore);
    expect(await backends()).toEqual([
      { scope: '*', backend: 'local', previous_backend: 's3' },
      { scope: ALICE, backend: 's3', previous_backend: 'local' },
    ]);
    const rows = (await sql.query(`SELECT key FROM storage.backend_migration_objects o JOIN storage.backend_migrations m ON m.id = o.migration_id WHERE m.scope = $1`, [ALICE])).rows;
    expect(rows.every((r: { key: string }) => r.key.startsWith(`users/${ALICE}/`))).toBe(true);

    for (const args of [['--to', 'ftp'], [], ['--to', 's3', '--rollback'], ['--tenant', '../x', '--to', 's3']]) {
      const wrong = await finished(args);
      expect({ args, code: wrong.exit.code }).toEqual({ args, code: 2 });
    }
    const nothing = await finished(['--rollback', '--tenant', BOB]);
    expect(nothing.exit.code).toBe(1);
    expect(nothing.output).toContain('STORAGE.MIGRATION_NOTHING_TO_ROLL_BACK');
  }, 300_000);
});
