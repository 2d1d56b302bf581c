import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestService } from '@leap/ingest-service';
import { publishingService } from '@leap/publishing-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, FakeMediaServer, generateLecture } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

/**
 * Input sources through the gateway and the real ingest: CRUD with each platform's rules, and a
 * VIDEO_URL source synced without any credential through the real yt-dlp, each sync a job whose
 * result says what it found, created and skipped (and why), deduplicated by source key.
 */
describe('input sources and their syncs', () => {
  let world: ServiceWorld;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  let media: FakeMediaServer;
  let work: string;
  let port = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leap-input-sources-'));
    media = await new FakeMediaServer().start();
    port = Number(new URL(media.url('/')).port);
    world = await createServiceWorld('input_sources', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    await world.start(publishingService, { env: { CREDENTIALS_KEYRING: `k1:${'4'.repeat(64)}` } });
    await world.start(ingestService, {
      env: {
        CREDENTIALS_KEYRING: `k1:${'3'.repeat(64)}`,
        CREDENTIALS_TRANSIT_KEYRING: world.env.CREDENTIALS_TRANSIT_KEYRING,
        OUTBOUND_ALLOWED_HOSTS: 'localhost',
        INGEST_DOWNLOAD_DIR: join(work, 'downloads'),
        RETENTION_SWEEP_INTERVAL: '0ms',
        STUCK_SWEEP_INTERVAL: '0ms',
      },
    });
    const gateway = await startGateway(world);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await media?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const finished = async (token: string, syncId: string) =>
    eventually(
      async () => {
        const sync = await call('GET', `/api/v1/sources/syncs/${syncId}`, { token });
        expect(sync.status).toBe(200);
        expect(['SUCCEEDED', 'FAILED']).toContain(sync.body.status);
        return sync.body;
      },
      { timeoutMs: 120_000 },
    );

  it('keeps sources per platform, with their rules, per user', async () => {
    const url = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Course videos', platform: 'VIDEO_URL', config: { url: `http://localhost:${port}/a.mp4` } } });
    expect(url.status).toBe(201);
    expect(url.body).toEqual({
      id: expect.any(String),
      name: 'Course videos',
      description: '',
      platform: 'VIDEO_URL',
      credentialId: null,
      config: { url: `http://localhost:${port}/a.mp4` },
      isActive: true,
      lastSyncAt: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expectProblem(await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Course videos', platform: 'VIDEO_URL', config: { url: 'https://example.org/x' } } }), 409, 'SOURCE.DUPLICATE');
    expectProblem(await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'No account', platform: 'ZOOM', config: {} } }), 422, 'SOURCE.INVALID');
    expectProblem(await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Bad config', platform: 'VIDEO_URL', config: { link: 'x' } } }), 422, 'SOURCE.INVALID');
    expectProblem(await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Both', platform: 'YANDEX_DISK', config: { publicUrl: 'https://disk.yandex.ru/d/abc', folderPath: '/x' } } }), 422, 'SOURCE.INVALID');

    // A Zoom source takes the user's own Zoom credential, not another user's.
    const zoomCredential = await call('POST', '/api/v1/credentials', {
      token: alice.token,
      json: { platform: 'zoom', accountName: 'school', credentials: { accountId: 'acc', clientId: 'client-id-123', clientSecret: 'client-secret-456' } },
    });
    expect(zoomCredential.status).toBe(201);
    expectProblem(await call('POST', '/api/v1/sources', { token: bob.token, json: { name: 'Theirs', platform: 'ZOOM', credentialId: zoomCredential.body.id } }), 422, 'CREDENTIAL.NOT_FOUND');
    const zoom = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'School Zoom', platform: 'ZOOM', credentialId: zoomCredential.body.id, config: { autoRun: true } } });
    expect(zoom.status).toBe(201);
    const publicLink = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Shared folder', platform: 'YANDEX_DISK', config: { publicUrl: 'https://disk.yandex.ru/d/abc' } } });
    expect(publicLink.status).toBe(201);

    const list = await call('GET', '/api/v1/sources?platform=ZOOM,VIDEO_URL', { token: alice.token });
    expect(list.body.items.map((s: { id: string }) => s.id)).toEqual([zoom.body.id, url.body.id]);
    expect((await call('GET', '/api/v1/sources', { token: bob.token })).body.total).toBe(0);
    expectProblem(await call('GET', `/api/v1/sources/${zoom.body.id}`, { token: bob.token }), 404, 'SOURCE.NOT_FOUND');

    const renamed = await call('PATCH', `/api/v1/sources/${publicLink.body.id}`, { token: alice.token, json: { name: 'Shared lectures', isActive: false } });
    expect(renamed.body).toMatchObject({ name: 'Shared lectures', isActive: false });
    expectProblem(await call('POST', `/api/v1/sources/${publicLink.body.id}/sync`, { token: alice.token, json: {} }), 409, 'SOURCE.INACTIVE');
    expectProblem(await call('POST', `/api/v1/sources/${url.body.id}/sync`, { token: alice.token, json: { fromDate: '2026-02-01', toDate: '2026-01-01' } }), 422, 'SOURCE.INVALID');

    // Deleting the credential leaves the source, without it.
    expect((await call('DELETE', `/api/v1/credentials/${zoomCredential.body.id}`, { token: alice.token })).status).toBe(204);
    expect((await call('GET', `/api/v1/sources/${zoom.body.id}`, { token: alice.token })).body.credentialId).toBeNull();
    expect((await call('DELETE', `/api/v1/sources/${publicLink.body.id}`, { token: alice.token })).status).toBe(204);
    expectProblem(await call('DELETE', `/api/v1/sources/${publicLink.body.id}`, { token: alice.token }), 404, 'SOURCE.NOT_FOUND');
  });

  it('syncs a video URL without a credential, once per source key, and never brings back a deleted recording', async () => {
    const lecture = await generateLecture({ dir: work, durationSeconds: 20, leadingSilenceSeconds: 2, trailingSilenceSeconds: 2 });
    media.serve('/talks/sync-me.mp4', { body: await readFile(lecture.path), etag: '"s1"' });
    const source = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'One talk', platform: 'VIDEO_URL', config: { url: `http://localhost:${port}/talks/sync-me.mp4` } } });
    expect(source.status).toBe(201);

    const started = await call('POST', `/api/v1/sources/${source.body.id}/sync`, { token: alice.token, json: {} });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ sourceId: source.body.id, status: 'QUEUED' });
    const first = await finished(alice.token, started.body.id);
    expect(first).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 1, updated: 0, skipped: 0, errorCode: null });
    const recordings = await eventually(async () => {
      const page = await call('GET', '/api/v1/recordings', { token: alice.token });
      const mine = (page.body.items as { title: string }[]).filter((r) => r.title === 'sync-me');
      expect(mine).toHaveLength(1);
      return mine as { id: string; title: string; status: string }[];
    });
    expect(recordings[0]).toMatchObject({ title: 'sync-me', status: 'INITIALIZED' });
    expect((await call('GET', `/api/v1/sources/${source.body.id}`, { token: alice.token })).body.lastSyncAt).not.toBeNull();

    // Again: the same key, nothing new.
    const again = await call('POST', '/api/v1/sources/bulk/sync', { token: alice.token, json: { sourceIds: [source.body.id] } });
    expect(again.status).toBe(202);
    const second = await finished(alice.token, again.body.syncs[0].id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 0, skipped: 1, skips: [expect.objectContaining({ reason: 'unchanged', recordingId: recordings[0].id })] });

    // Deleted: a later sync leaves it deleted.
    expect((await call('DELETE', `/api/v1/recordings/${recordings[0].id}`, { token: alice.token })).status).toBeLessThan(300);
    const third = await finished(alice.token, (await call('POST', `/api/v1/sources/${source.body.id}/sync`, { token: alice.token, json: {} })).body.id);
    expect(third).toMatchObject({ status: 'SUCCEEDED', created: 0, skips: [expect.objectContaining({ reason: 'deleted' })] });

    // Another user cannot see or start it.
    expectProblem(await call('GET', `/api/v1/sources/syncs/${started.body.id}`, { token: bob.token }), 404, 'SYNC.NOT_FOUND');
    expectProblem(await call('POST', '/api/v1/sources/bulk/sync', { token: bob.token, json: { sourceIds: [source.body.id] } }), 404, 'SOURCE.NOT_FOUND');
  }, 300_000);
});
