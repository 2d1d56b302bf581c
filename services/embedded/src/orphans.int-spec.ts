import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { gatewayService } from '@leap/gateway-service';
import { ingestService } from '@leap/ingest-service';
import { quotaService } from '@leap/quota-service';
import { OrphanScanService, storageService } from '@leap/storage-service';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { eventually, freePort } from '@leap/testing';
import { TEST_PASSWORD as PASSWORD, type Reply } from '@leap/gateway-service/testing';
import { ApiClient, HTTP_WORLD_ENV } from './testing/http-api';

const TWO_HOURS_AGO = new Date(Date.now() - 2 * 3_600_000);

/**
 * The orphan scan with the real services: storage (two replicas) asks ingest which recordings
 * exist, an administrator reads the report and asks for a repair through the gateway, and quota
 * sees the usage the repair gives back. Rounds are driven by the test (no poll, no schedule).
 */
describe('the orphan scan: report and repair of objects without a recording and rows without an object', () => {
  let world: ServiceWorld;
  let base: string;
  let replicas: RunningService[];
  let gateway: RunningService;
  let storageDb: DataSource;
  let quotaDb: DataSource;
  let ingestDb: DataSource;
  let store: LocalObjectStore;
  const tokens: Record<string, string> = {};

  const api = new ApiClient(() => base);
  const call = (as: string, method: string, path: string, init: { json?: unknown } = {}): Promise<Reply> => api.call(method, path, { ...init, token: tokens[as] });

  async function account(name: string, role?: 'admin'): Promise<string> {
    const email = `${name}@example.org`;
    const registered = await call(name, 'POST', '/api/v1/auth/register', { json: { email, password: PASSWORD } });
    expect(registered.status).toBe(201);
    if (role) await gateway.app.get(DataSource).query(`UPDATE users SET role = $2 WHERE id = $1`, [registered.body.id, role]);
    const login = await call(name, 'POST', '/api/v1/auth/login', { json: { email, password: PASSWORD } });
    expect(login.status).toBe(200);
    tokens[name] = login.body.accessToken;
    return registered.body.id;
  }

  /** Uploads a small mp4 as `as` and answers its id once storage has catalogued it. */
  async function upload(as: string, bytes: number): Promise<string> {
    const id = await api.uploadMp4(tokens[as]!, { bytes });
    await eventually(async () => expect(await storageDb.query(`SELECT key FROM stored_objects WHERE recording_id = $1`, [id])).toHaveLength(1), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    return id;
  }

  async function usage(userId: string): Promise<number> {
    const rows: { bytes: string }[] = await quotaDb.query(`SELECT storage_bytes::text AS bytes FROM usage WHERE user_id = $1 ORDER BY period DESC LIMIT 1`, [userId]);
    return Number(rows[0]?.bytes ?? 0);
  }

  /** Both storage replicas run a round at once: exactly one of them runs the scan asked for. */
  async function runRound(): Promise<void> {
    await eventually(async () => expect((await call('admin', 'GET', '/api/v1/admin/storage/orphans')).body.pending).toBe(true), { timeoutMs: 20_000, intervalMs: 100 });
    const outcomes = await Promise.all(replicas.map((r) => r.app.get(OrphanScanService).runOnce()));
    expect(outcomes.filter((o) => o.ran && o.result !== undefined)).toHaveLength(1);
  }

  const age = async (key: string) => {
    const path = join(world.storageRoot, key);
    await utimes(path, TWO_HOURS_AGO, TWO_HOURS_AGO);
  };

  beforeAll(async () => {
    world = await createServiceWorld('orphans', {
      ...HTTP_WORLD_ENV,
      ORPHAN_SCAN_POLL_INTERVAL: '0ms',
      ORPHAN_SCAN_INTERVAL: '0ms',
      ORPHAN_MIN_AGE: '1h',
    });
    store = new LocalObjectStore(world.storageRoot);
    replicas = [await world.start(storageService), await world.start(storageService)];
    storageDb = replicas[0]!.app.get(DataSource);
    quotaDb = (await world.start(quotaService)).app.get(DataSource);
    ingestDb = (await world.start(ingestService)).app.get(DataSource);
    const port = await freePort();
    gateway = await world.start(gatewayService, { http: true, env: { PORT: String(port) } });
    base = `http://127.0.0.1:${port}`;
  }, 300_000);

  afterAll(() => world?.close());

  it('reports planted orphans of both kinds, leaves the rest, then repairs them and gives the bytes back', async () => {
    const userId = await account('ada');
    const adminId = await account('admin', 'admin');
    expect((await call('ada', 'GET', '/api/v1/admin/storage/orphans')).status).toBe(403);

    const kept = await upload('ada', 1000);
    // A recording whose row ingest lost: its object (catalogued) belongs to no recording.
    const lost = await upload('ada', 2000);
    await ingestDb.query(`DELETE FROM recordings WHERE id = $1`, [lost]);
    // A recording whose object vanished from the store: its catalogue row has no object.
    const vanished = await upload('ada', 4000);
    const vanishedKey = storageKeys.source(userId, vanished, 'mp4');
    await rm(join(world.storageRoot, vanishedKey));
    await rm(join(world.storageRoot, `${vanishedKey}.sha256`), { force: true });
    // Objects written under a recording id nobody registered: an old one, and a fresh one that may be an upload in flight.
    const strayKey = storageKeys.audio(userId, randomUUID());
    await store.put(strayKey, Buffer.alloc(300, 1));
    const freshKey = storageKeys.audio(userId, randomUUID());
    await store.put(freshKey, Buffer.alloc(50, 1));
    const lostKey = storageKeys.source(userId, lost, 'mp4');
    for (const key of [storageKeys.source(userId, kept, 'mp4'), lostKey, strayKey]) await age(key);
    await eventually(async () => expect(await usage(userId)).toBe(7000), { timeoutMs: 30_000, intervalMs: 100 });

    const asked = await call('admin', 'POST', '/api/v1/admin/storage/orphans/scan', { json: {} });
    expect(asked.status).toBe(202);
    await runRound();
    const report = (await call('admin', 'GET', '/api/v1/admin/storage/orphans')).body;
    expect(report).toMatchObject({ repair: false, requestedBy: adminId, pending: false, error: null, objectsScanned: 4, rowsScanned: 3 });
    const byKey = <T extends { key: string }>(list: T[]) => [...list].sort((a, b) => a.key.localeCompare(b.key));
    expect(byKey(report.objectsWithoutRecording)).toEqual(
      byKey([
        { key: lostKey, userId, recordingId: lost, sizeBytes: 2000, reason: 'NO_RECORDING', repaired: false },
        { key: strayKey, userId, recordingId: strayKey.split('/')[3], sizeBytes: 300, reason: 'NO_RECORDING', repaired: false },
      ]),
    );
    expect(report.rowsWithoutObject).toEqual([{ key: vanishedKey, userId, recordingId: vanished, sizeBytes: 4000, reason: 'NO_OBJECT', repaired: false }]);
    // A report changes nothing.
    expect(existsSync(join(world.storageRoot, strayKey))).toBe(true);
    expect(await usage(userId)).toBe(7000);

    expect((await call('admin', 'POST', '/api/v1/admin/storage/orphans/scan', { json: { repair: true } })).status).toBe(202);
    await runRound();
    const repaired = (await call('admin', 'GET', '/api/v1/admin/storage/orphans')).body;
    expect(repaired.repair).toBe(true);
    expect([...repaired.objectsWithoutRecording, ...repaired.rowsWithoutObject].map((o: { repaired: boolean }) => o.repaired)).toEqual([true, true, true]);
    expect(existsSync(join(world.storageRoot, strayKey))).toBe(false);
    expect(existsSync(join(world.storageRoot, lostKey))).toBe(false);
    expect(existsSync(join(world.storageRoot, freshKey))).toBe(true);
    expect(existsSync(join(world.storageRoot, storageKeys.source(userId, kept, 'mp4')))).toBe(true);
    expect(await storageDb.query(`SELECT recording_id AS "recordingId", size_bytes::int AS "sizeBytes" FROM stored_objects`)).toEqual([{ recordingId: kept, sizeBytes: 1000 }]);
    await eventually(async () => expect(await usage(userId)).toBe(1000), { timeoutMs: 30_000, intervalMs: 100 });

    // Nothing is left to find.
    expect((await call('admin', 'POST', '/api/v1/admin/storage/orphans/scan', { json: {} })).status).toBe(202);
    await runRound();
    const clean = (await call('admin', 'GET', '/api/v1/admin/storage/orphans')).body;
    expect({ objects: clean.objectsWithoutRecording, rows: clean.rowsWithoutObject }).toEqual({ objects: [], rows: [] });
  }, 300_000);

  it('refuses a scan request whose repair is not a boolean', async () => {
    const reply = await call('admin', 'POST', '/api/v1/admin/storage/orphans/scan', { json: { repair: 'yes' } });
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('VALIDATION.FAILED');
  });
});
