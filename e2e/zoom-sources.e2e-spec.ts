import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestService } from '@leap/ingest-service';
import { publishingService } from '@leap/publishing-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startFakeZoom, type FakeZoom, type FakeZoomMeeting } from '@leap/testing';
import { gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

const MB = 1024 * 1024;
const DAY = 86_400_000;

/**
 * A ZOOM source synced through the real Zoom client against the fake Zoom: a Server-to-Server
 * token, every page of every 30-day window, the best file downloaded with the access token, a
 * blank meeting SKIPPED, one still processing held as PENDING_SOURCE and picked up by a later sync.
 */
describe('Zoom sources', () => {
  let world: ServiceWorld;
  let zoom: FakeZoom;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let work: string;

  const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const meeting = (uuid: string, topic: string, startTime: string, minutes: number, bytes: Buffer, extra: Partial<FakeZoomMeeting> = {}): FakeZoomMeeting => ({
    uuid,
    id: Math.floor(Math.random() * 1e9),
    topic,
    hostId: 'host-1',
    startTime,
    duration: minutes,
    files: [
      { id: `${uuid}-gallery`, fileType: 'MP4', recordingType: 'gallery_view', bytes: Buffer.alloc(1024, 1) },
      { id: `${uuid}-screen`, fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', bytes },
      { id: `${uuid}-audio`, fileType: 'M4A', recordingType: 'audio_only', bytes: Buffer.alloc(512, 2) },
    ],
    ...extra,
  });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leap-zoom-'));
    zoom = await startFakeZoom();
    zoom.pageSize = 1;
    const lecture = Buffer.alloc(26 * MB, 7);
    zoom.addMeeting('me', meeting('lecture-uuid==', 'Algorithms lecture', daysAgo(40), 90, lecture));
    zoom.addMeeting('me', meeting('blank-uuid==', 'Test call', daysAgo(3), 5, Buffer.alloc(2 * MB, 3)));
    zoom.addMeeting('me', meeting('late-uuid==', 'Seminar', daysAgo(2), 45, lecture, { processing: true }));
    world = await createServiceWorld('zoom_sources', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const keyrings = { CREDENTIALS_KEYRING: `k1:${'5'.repeat(64)}`, CREDENTIALS_TRANSIT_KEYRING: world.env.CREDENTIALS_TRANSIT_KEYRING };
    await world.start(publishingService, { env: keyrings });
    await world.start(ingestService, {
      env: {
        ...keyrings,
        ZOOM_API_BASE_URL: zoom.apiBaseUrl,
        ZOOM_OAUTH_BASE_URL: zoom.oauthBaseUrl,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        INGEST_DOWNLOAD_DIR: join(work, 'downloads'),
        RETENTION_SWEEP_INTERVAL: '0ms',
        STUCK_SWEEP_INTERVAL: '0ms',
      },
    });
    const gateway = await startGateway(world);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await zoom?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const finished = (syncId: string) =>
    eventually(
      async () => {
        const sync = await call('GET', `/api/v1/sources/syncs/${syncId}`, { token: alice.token });
        expect(['SUCCEEDED', 'FAILED']).toContain(sync.body.status);
        return sync.body;
      },
      { timeoutMs: 120_000 },
    );
  const byTitle = async () => {
    const page = await call('GET', '/api/v1/recordings', { token: alice.token });
    return Object.fromEntries((page.body.items as { id: string; title: string; status: string }[]).map((r) => [r.title, r]));
  };

  it('syncs every page of every window, downloads the best file with the token, skips blank ones and holds the unfinished one until it is ready', async () => {
    const credential = await call('POST', '/api/v1/credentials', {
      token: alice.token,
      json: { platform: 'zoom', accountName: 'school', credentials: { accountId: zoom.accountId, clientId: zoom.clientId, clientSecret: zoom.clientSecret } },
    });
    expect(credential.status).toBe(201);
    const source = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'School Zoom', platform: 'ZOOM', credentialId: credential.body.id, config: { autoRun: true } } });
    expect(source.status).toBe(201);

    const fromDate = new Date(Date.now() - 45 * DAY).toISOString().slice(0, 10);
    const started = await call('POST', `/api/v1/sources/${source.body.id}/sync`, { token: alice.token, json: { fromDate } });
    expect(started.status).toBe(202);
    const first = await finished(started.body.id);
    expect(first).toMatchObject({ status: 'SUCCEEDED', found: 3, created: 2, updated: 0, skipped: 1, skips: [expect.objectContaining({ sourceKey: 'zoom:blank-uuid==', reason: 'blank' })] });
    // One token for the whole sync (cached), two windows of at most 30 days.
    expect(zoom.stats.tokenRequests).toBe(1);

    const recordings = await eventually(async () => {
      const all = await byTitle();
      expect(all['Test call']?.status).toBe('SKIPPED');
      expect(all['Seminar']?.status).toBe('PENDING_SOURCE');
      return all;
    });
    // The lecture's best file (shared screen with speaker, 26 MB) came down with the access token.
    await eventually(
      async () => {
        const detail = await call('GET', `/api/v1/recordings/${recordings['Algorithms lecture'].id}`, { token: alice.token });
        expect(detail.body.sizeBytes).toBe(26 * MB);
      },
      { timeoutMs: 120_000 },
    );

    // Zoom finished the seminar: the next sync releases it.
    zoom.setProcessing('late-uuid==', false);
    const second = await finished((await call('POST', `/api/v1/sources/${source.body.id}/sync`, { token: alice.token, json: { fromDate } })).body.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', found: 3, created: 0, updated: 1 });
    expect(second.skips.map((s: { reason: string }) => s.reason).sort()).toEqual(['blank', 'finished']);
    await eventually(
      async () => {
        const detail = await call('GET', `/api/v1/recordings/${recordings['Seminar'].id}`, { token: alice.token });
        expect(detail.body.sizeBytes).toBe(26 * MB);
      },
      { timeoutMs: 120_000 },
    );
  }, 300_000);
});
