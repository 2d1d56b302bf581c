import { readFile } from 'node:fs/promises';
import { eventually, generateLecture, startFakeZoom, type FakeZoom, type FakeZoomMeeting } from '@leap/testing';
import { freeBox, signUp, startDistributedPlatform, waitUntilReady, type ApiClient, type DistributedPlatform } from './support';

const MB = 1024 * 1024;
const DAY = 86_400_000;
const SECRET = 'zoom-app-secret-token';

/**
 * Zoom all the way to READY with every service its own process: one meeting comes in through a
 * sync of a ZOOM source, another through Zoom's signed `recording.completed` webhook (sent twice,
 * as Zoom retries), both downloaded from the fake Zoom with the credential's token and processed
 * to READY; a later sync over both finds nothing new.
 */
describe('Zoom recordings to READY (sync and webhook, distributed)', () => {
  let platform: DistributedPlatform;
  let zoom: FakeZoom;
  let lecture: Buffer;
  let ada: ApiClient;

  const meeting = (uuid: string, topic: string, daysAgo: number): FakeZoomMeeting => ({
    uuid,
    id: Math.floor(Math.random() * 1e9),
    topic,
    hostId: 'host-1',
    startTime: new Date(Date.now() - daysAgo * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    duration: 60,
    files: [
      { id: `${uuid}-gallery`, fileType: 'MP4', recordingType: 'gallery_view', bytes: Buffer.alloc(1024, 1) },
      { id: `${uuid}-screen`, fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', bytes: lecture },
      { id: `${uuid}-audio`, fileType: 'M4A', recordingType: 'audio_only', bytes: Buffer.alloc(512, 2) },
    ],
  });

  beforeAll(async () => {
    zoom = await startFakeZoom();
    platform = await startDistributedPlatform('zoom_journey', {
      env: () => ({ ingest: { ZOOM_API_BASE_URL: zoom.apiBaseUrl, ZOOM_OAUTH_BASE_URL: zoom.oauthBaseUrl, OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' } }),
    });
    const generated = await generateLecture({ dir: platform.work, durationSeconds: 60, leadingSilenceSeconds: 9, trailingSilenceSeconds: 10, middleSilenceSeconds: 4 });
    const bytes = await readFile(generated.path);
    lecture = Buffer.concat([bytes, freeBox(26 * MB - bytes.length)]);
    ada = await signUp(platform.api, 'ada@example.org', platform.mail);
  }, 300_000);

  afterAll(async () => {
    await platform?.close();
    await zoom?.close();
  });

  const post = (path: string, body: unknown) => ada.json(path, { method: 'POST', body: JSON.stringify(body) });
  const sync = async (sourceId: string) => {
    const started = await post(`/sources/${sourceId}/sync`, { fromDate: new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10) });
    expect(started.status).toBe(202);
    return eventually(
      async () => {
        const found = await ada.json(`/sources/syncs/${started.body.id}`);
        expect(['SUCCEEDED', 'FAILED']).toContain(found.body.status);
        return found.body;
      },
      { timeoutMs: 120_000 },
    );
  };
  const recordingsTitled = async (title: string): Promise<{ id: string; title: string }[]> =>
    ((await ada.json('/recordings?pageSize=100')).body.items as { id: string; title: string }[]).filter((r) => r.title === title);

  it('brings one meeting by a sync and another by a signed webhook, each once, to READY', async () => {
    const credential = await post('/credentials', {
      platform: 'zoom',
      accountName: 'school',
      credentials: { accountId: zoom.accountId, clientId: zoom.clientId, clientSecret: zoom.clientSecret, webhookSecretToken: SECRET },
    });
    expect(credential.status).toBe(201);
    expect(JSON.stringify(credential.body)).not.toContain(SECRET);
    const source = await post('/sources', { name: 'School Zoom', platform: 'ZOOM', credentialId: credential.body.id, config: { autoRun: true } });
    expect(source.status).toBe(201);

    // By a sync.
    zoom.addMeeting('me', meeting('synced-uuid==', 'Synced lecture', 3));
    const first = await sync(source.body.id);
    expect(first).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 1 });
    const [synced] = await eventually(async () => {
      const found = await recordingsTitled('Synced lecture');
      expect(found).toHaveLength(1);
      return found;
    });

    // By the webhook: Zoom validates the endpoint, then sends the event, and sends it again.
    const endpoint = `${platform.api}/webhooks/zoom`;
    const validation = await zoom.sendWebhook(endpoint, zoom.urlValidationEvent('plain-token-1'), { secretToken: SECRET });
    expect(validation).toMatchObject({ status: 200, body: { plainToken: 'plain-token-1', encryptedToken: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const forged = await zoom.sendRecordingCompleted(endpoint, 'synced-uuid==', { secretToken: 'guessed' });
    expect(forged).toMatchObject({ status: 401, body: { code: 'ZOOM_WEBHOOK.SIGNATURE_INVALID' } });
    zoom.addMeeting('me', meeting('hooked-uuid==', 'Webhook lecture', 1));
    const delivered = await zoom.sendRecordingCompleted(endpoint, 'hooked-uuid==', { secretToken: SECRET });
    expect(delivered).toMatchObject({ status: 200, body: { outcome: 'ingested', recordingIds: [expect.any(String)] } });
    const retried = await zoom.sendRecordingCompleted(endpoint, 'hooked-uuid==', { secretToken: SECRET });
    expect(retried).toMatchObject({ status: 200, body: { outcome: 'duplicate', recordingIds: delivered.body.recordingIds } });
    // The meeting the sync brought is known to the webhook too.
    const known = await zoom.sendRecordingCompleted(endpoint, 'synced-uuid==', { secretToken: SECRET });
    expect(known).toMatchObject({ status: 200, body: { outcome: 'duplicate', recordingIds: [synced.id] } });

    const [hookedId] = delivered.body.recordingIds as string[];
    const [fromSync, fromWebhook] = await Promise.all([waitUntilReady(ada, synced.id, 360_000), waitUntilReady(ada, hookedId, 360_000)]);
    for (const recording of [fromSync, fromWebhook]) {
      for (const stage of recording.stages) expect(['COMPLETED', 'SKIPPED']).toContain(stage.status);
    }
    expect(fromWebhook.title).toBe('Webhook lecture');
    // The best file of each meeting came down once, with the credential's token.
    expect(zoom.stats.downloads).toBe(2);

    // A later sync over both meetings finds them known: nothing new, nothing downloaded again.
    const again = await sync(source.body.id);
    expect(again).toMatchObject({ status: 'SUCCEEDED', found: 2, created: 0, updated: 0 });
    expect(await recordingsTitled('Synced lecture')).toHaveLength(1);
    expect(await recordingsTitled('Webhook lecture')).toHaveLength(1);
    expect(zoom.stats.downloads).toBe(2);
  }, 600_000);
});
