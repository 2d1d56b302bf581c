import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { gatewayService } from '@leap/gateway-service';
import { Clock, ingestService, RetentionSweep, StuckStagesSweep } from '@leap/ingest-service';
import { quotaService } from '@leap/quota-service';
import { storageService } from '@leap/storage-service';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, freePort } from '@leap/testing';
import type { Reply } from '@leap/gateway-service/testing';
import { ApiClient, HTTP_WORLD_ENV } from './testing/http-api';

const DAY = 86_400_000;

/**
 * The recording lifecycle with the real services on PostgreSQL and RabbitMQ: the gateway (HTTP and
 * read model), ingest (two replicas), storage (catalogue, objects, usage) and quota (usage). The
 * media services are not started, so a fresh upload stays with its trim in progress: work for
 * the delete to cancel. Time moves by setting ingest's injected clock ahead (it only ever moves
 * forward); the test waits for states, never for time.
 */
describe('the recording lifecycle: delete, restore, expire, purge, hard delete', () => {
  let world: ServiceWorld;
  let base: string;
  let token: string;
  let userId: string;
  let replicas: RunningService[];
  let ingestDb: DataSource;
  let storageDb: DataSource;
  let quotaDb: DataSource;

  const api = new ApiClient(() => base);
  const call = (method: string, path: string, init: { json?: unknown } = {}): Promise<Reply> => api.call(method, path, { ...init, token });

  /** Uploads `bytes` bytes of an mp4 (an `ftyp` box, then padding) and answers the recording id once storage and quota have counted it. */
  async function upload(title: string, bytes: number): Promise<string> {
    const id = await api.uploadMp4(token, { title, bytes, filename: `${title}.mp4` });
    await eventually(async () => expect(await catalogue(id)).toEqual({ count: 1, bytes: String(bytes) }), { timeoutMs: 30_000, intervalMs: 100 });
    // The trim was asked for and nobody does it: it stays in progress.
    await eventually(async () => expect((await detail(id)).body.stages.find((s: any) => s.stage === 'TRIM')?.status).toBe('IN_PROGRESS'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    return id;
  }

  const detail = (id: string) => call('GET', `/api/v1/recordings/${id}`);
  const listed = async (query = '') => ((await call('GET', `/api/v1/recordings?pageSize=100${query}`)).body.items as any[]).map((r) => r.id as string);

  async function catalogue(recordingId: string): Promise<{ count: number; bytes: string }> {
    const [row] = await storageDb.query(`SELECT count(*)::int AS count, COALESCE(SUM(size_bytes), 0)::text AS bytes FROM stored_objects WHERE recording_id = $1`, [recordingId]);
    return row;
  }

  async function filesOf(recordingId: string): Promise<string[]> {
    const folder = join(world.storageRoot, 'users', userId, 'recordings', recordingId);
    if (!existsSync(folder)) return [];
    return (await readdir(folder)).filter((name) => !name.endsWith('.sha256'));
  }

  /** The user's storage usage as quota knows it. */
  async function usage(): Promise<number> {
    const rows: { bytes: string }[] = await quotaDb.query(`SELECT storage_bytes::text AS bytes FROM usage WHERE user_id = $1 ORDER BY period DESC LIMIT 1`, [userId]);
    return Number(rows[0]?.bytes ?? 0);
  }

  /** How many events of `type` ingest published about the recording. */
  async function published(recordingId: string, type: string): Promise<number> {
    const [row] = await ingestDb.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND routing_key = $2`, [recordingId, type]);
    return row.n;
  }

  /** How far ingest's clock is ahead of the wall clock. */
  let ahead = 0;
  const clockNow = () => Date.now() + ahead;
  /** Moves ingest's clock (both replicas) to `at`, never back. */
  function travelTo(at: number): void {
    expect(at).toBeGreaterThanOrEqual(clockNow());
    ahead = at - Date.now();
  }
  /** One round of the retention sweep on a replica, as of ingest's clock. */
  const sweep = (replica = 0) => replicas[replica]!.app.get(RetentionSweep).sweep();

  beforeAll(async () => {
    world = await createServiceWorld('lifecycle', {
      // Rounds run only when the test asks, with the `now` it gives.
      ...HTTP_WORLD_ENV,
    });
    storageDb = (await world.start(storageService)).app.get(DataSource);
    quotaDb = (await world.start(quotaService)).app.get(DataSource);
    replicas = [await world.start(ingestService), await world.start(ingestService)];
    for (const replica of replicas) jest.spyOn(replica.app.get(Clock), 'now').mockImplementation(() => new Date(clockNow()));
    ingestDb = replicas[0]!.app.get(DataSource);
    const port = await freePort();
    await world.start(gatewayService, { http: true, env: { PORT: String(port) } });
    base = `http://127.0.0.1:${port}`;
    ({ id: userId, token } = await api.account('ada@example.org'));
  }, 300_000);

  afterAll(() => world?.close());

  it('deletes softly, restores, then removes the files, the catalogue rows and the usage together, and at last every trace', async () => {
    const kept = await upload('Kept lecture', 3000);
    const id = await upload('Deleted lecture', 5000);
    await eventually(async () => expect(await usage()).toBe(8000), { timeoutMs: 30_000, intervalMs: 100 });
    const expiresAt = Date.parse((await detail(id)).body.expiresAt);
    expect(Math.abs(expiresAt - (Date.now() + 90 * DAY))).toBeLessThan(60_000);

    // Delete: hidden, work cancelled, nothing of the files or the usage moves.
    const deleting = await call('DELETE', `/api/v1/recordings/${id}`);
    expect(deleting.status).toBe(202);
    expect(deleting.body.status).toBe('DELETING');
    await eventually(async () => expect((await detail(id)).body.deletion?.state).toBe('DELETED'), { timeoutMs: 30_000, intervalMs: 100 });
    const deleted = (await detail(id)).body;
    expect(deleted.deletion).toMatchObject({ reason: 'MANUAL', restorable: true });
    expect(Date.parse(deleted.deletion.restorableUntil) - Date.parse(deleted.deletion.deletedAt)).toBe(3 * DAY);
    expect(Date.parse(deleted.deletion.hardDeleteAt) - Date.parse(deleted.deletion.restorableUntil)).toBe(30 * DAY);
    expect(await listed()).not.toContain(id);
    expect(await listed('&deleted=true')).toEqual([id]);
    await eventually(async () => expect((await detail(id)).body.stages.find((s: any) => s.stage === 'TRIM')?.status).toBe('PENDING'), { timeoutMs: 30_000, intervalMs: 100 });
    expect((await call('GET', `/api/v1/recordings/${id}/transcript.json`)).status).toBe(404);
    expect(await filesOf(id)).toEqual(['source.mp4']);
    expect(await catalogue(id)).toEqual({ count: 1, bytes: '5000' });
    expect(await usage()).toBe(8000);
    expect((await call('DELETE', `/api/v1/recordings/${id}`)).status).toBe(404);

    // Restore: back as it was, paused (its trim was cancelled), with a new expiry.
    const restored = await call('POST', `/api/v1/recordings/${id}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ id, status: 'DOWNLOADED', paused: true });
    await eventually(async () => expect(await listed()).toContain(id), { timeoutMs: 30_000, intervalMs: 100 });
    expect((await detail(id)).body.deletion).toBeNull();
    const again = await call('POST', `/api/v1/recordings/${id}/restore`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('INGEST.NOT_DELETED');
    expect(await catalogue(id)).toEqual({ count: 1, bytes: '5000' });

    // Deleted again; the window is not over a minute before its end.
    expect((await call('DELETE', `/api/v1/recordings/${id}`)).status).toBe(202);
    await eventually(async () => expect((await detail(id)).body.deletion?.state).toBe('DELETED'), { timeoutMs: 30_000, intervalMs: 100 });
    const until = Date.parse((await detail(id)).body.deletion.restorableUntil);
    travelTo(until - 60_000);
    expect(await sweep()).toEqual({ ran: true, result: { expired: 0, purged: 0, hardDeleted: 0 } });
    expect(await filesOf(id)).toEqual(['source.mp4']);

    // The window closes: files, catalogue rows and usage go together; the other recording stays.
    travelTo(until + 60_000);
    expect(await sweep()).toEqual({ ran: true, result: { expired: 0, purged: 1, hardDeleted: 0 } });
    await eventually(
      async () => {
        expect(await filesOf(id)).toEqual([]);
        expect(await catalogue(id)).toEqual({ count: 0, bytes: '0' });
        expect(await usage()).toBe(3000);
        expect((await detail(id)).body.deletion).toMatchObject({ state: 'PURGED', restorable: false });
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(await filesOf(kept)).toEqual(['source.mp4']);
    expect(await catalogue(kept)).toEqual({ count: 1, bytes: '3000' });
    const late = await call('POST', `/api/v1/recordings/${id}/restore`);
    expect(late.status).toBe(409);
    expect(late.body.code).toBe('INGEST.RESTORE_WINDOW_CLOSED');

    // The hard delete: no trace left in ingest or the read model; nothing more freed.
    const hardDeleteAt = Date.parse((await detail(id)).body.deletion.hardDeleteAt);
    travelTo(hardDeleteAt + 60_000);
    expect(await sweep()).toEqual({ ran: true, result: { expired: 0, purged: 0, hardDeleted: 1 } });
    await eventually(async () => expect((await detail(id)).status).toBe(404), { timeoutMs: 30_000, intervalMs: 100 });
    expect(await ingestDb.query(`SELECT id FROM recordings WHERE id = $1`, [id])).toEqual([]);
    expect((await call('POST', `/api/v1/recordings/${id}/restore`)).status).toBe(404);
    expect(await usage()).toBe(3000);
    expect(await published(id, 'ingest.recording.purged.v1')).toBe(1);
    expect(await published(id, 'ingest.recording.hard-deleted.v1')).toBe(1);
    expect(await listed()).toEqual([kept]);
  }, 300_000);

  it('expires a recording 90 days after its creation: deleted with reason EXPIRED, restorable like any other', async () => {
    const id = await upload('Expiring lecture', 2000);
    // Quota has counted what the catalogue holds for the user.
    const [{ total }] = await storageDb.query(`SELECT COALESCE(SUM(size_bytes), 0)::int AS total FROM stored_objects WHERE user_id = $1`, [userId]);
    await eventually(async () => expect(await usage()).toBe(total), { timeoutMs: 30_000, intervalMs: 100 });
    const usageBefore = total as number;
    const expiresAt = Date.parse((await detail(id)).body.expiresAt);
    travelTo(expiresAt - 60_000);
    expect(await sweep()).toMatchObject({ ran: true });
    expect(await ingestDb.query(`SELECT delete_state FROM recordings WHERE id = $1`, [id])).toEqual([{ delete_state: null }]);

    travelTo(expiresAt + 60_000);
    const outcome = await sweep();
    expect(outcome.ran && outcome.result.expired).toBeGreaterThanOrEqual(1);
    await eventually(async () => expect((await detail(id)).body.status).toBe('EXPIRED'), { timeoutMs: 30_000, intervalMs: 100 });
    expect((await detail(id)).body.deletion).toMatchObject({ state: 'DELETED', reason: 'EXPIRED', restorable: true });
    expect(await listed()).not.toContain(id);
    expect(await listed('&deleted=true&status=EXPIRED')).toContain(id);
    expect(await usage()).toBe(usageBefore);

    const restored = await call('POST', `/api/v1/recordings/${id}/restore`);
    expect(restored.status).toBe(200);
    // Expiry counts again from the restore.
    expect(Math.abs(Date.parse(restored.body.expiresAt) - (clockNow() + 90 * DAY))).toBeLessThan(60_000);
    await eventually(async () => expect((await detail(id)).body.status).not.toBe('EXPIRED'), { timeoutMs: 30_000, intervalMs: 100 });
    expect(await catalogue(id)).toEqual({ count: 1, bytes: '2000' });
  }, 300_000);

  it('runs each step once when two replicas sweep at the same time', async () => {
    const ids = [await upload('Replica lecture 1', 1000), await upload('Replica lecture 2', 1000), await upload('Replica lecture 3', 1000)];
    travelTo(clockNow() + 91 * DAY);
    const expired = await Promise.all([sweep(0), sweep(1)]);
    expect(expired.some((o) => o.ran)).toBe(true);
    await eventually(async () => {
      for (const id of ids) expect((await detail(id)).body.deletion?.state).toBe('DELETED');
    }, { timeoutMs: 30_000, intervalMs: 100 });

    travelTo(clockNow() + 3 * DAY + 60_000);
    const purged = await Promise.all([sweep(0), sweep(1)]);
    const total = purged.reduce((sum, o) => sum + (o.ran ? o.result.purged : 0), 0);
    expect(total).toBeGreaterThanOrEqual(ids.length);
    await eventually(async () => {
      for (const id of ids) expect(await catalogue(id)).toEqual({ count: 0, bytes: '0' });
    }, { timeoutMs: 30_000, intervalMs: 100 });
    for (const id of ids) {
      expect(await published(id, 'ingest.recording.deleted.v1')).toBe(1);
      expect(await published(id, 'ingest.recording.purged.v1')).toBe(1);
      const [{ n }] = await storageDb.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND routing_key = 'storage.recording-objects.deleted.v1'`, [id]);
      expect(n).toBe(1);
    }
  }, 300_000);

  it('fails a stage in progress past STUCK_STAGE_AFTER once across replicas, and a run retries it', async () => {
    const id = await upload('Stuck lecture', 1500);
    const stuckSweep = (replica: number) => replicas[replica]!.app.get(StuckStagesSweep).sweep();
    const trimOf = async () => (await ingestDb.query(`SELECT status FROM recording_stages WHERE recording_id = $1 AND stage = 'TRIM'`, [id]))[0].status;
    const [{ startedAt }] = await ingestDb.query(`SELECT started_at AS "startedAt" FROM recording_stages WHERE recording_id = $1 AND stage = 'TRIM'`, [id]);

    travelTo(new Date(startedAt).getTime() + 6 * 3_600_000 - 60_000);
    await Promise.all([stuckSweep(0), stuckSweep(1)]);
    expect(await trimOf()).toBe('IN_PROGRESS');

    travelTo(new Date(startedAt).getTime() + 6 * 3_600_000 + 60_000);
    const rounds = await Promise.all([stuckSweep(0), stuckSweep(1)]);
    expect(rounds.some((r) => r.ran)).toBe(true);
    expect(await trimOf()).toBe('FAILED');
    await eventually(async () => expect((await detail(id)).body).toMatchObject({ failed: true, failedStage: 'TRIM' }), { timeoutMs: 30_000, intervalMs: 100 });
    const trim = (await detail(id)).body.stages.find((s: any) => s.stage === 'TRIM');
    expect(trim.error.code).toBe('INGEST.STAGE_STUCK');
    const [{ n }] = await ingestDb.query(
      `SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND routing_key = 'ingest.stage.status-changed.v1' AND message::text LIKE '%STAGE_STATUS_FAILED%'`,
      [id],
    );
    expect(n).toBe(1);

    const run = await call('POST', `/api/v1/recordings/${id}/run`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: 'PROCESSING', stages: ['TRIM'] });
  }, 300_000);
});
