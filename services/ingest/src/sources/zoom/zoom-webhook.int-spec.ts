import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, type ReceiveZoomWebhook } from '@leap/contracts';
import { MessageBus } from '@leap/messaging';
import { parseKeyring } from '@leap/secrets';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startFakeZoom, type FakeZoom, type FakeZoomMeeting } from '@leap/testing';
import { ingestService } from '../../service';
import { downloadObserver, observed } from '../../testing/download-observer';
import { urlValidationToken, zoomWebhookSignature } from './zoom-webhook-signature';

const USER = 'user-zoom-webhook';
const MB = 1024 * 1024;
const TRANSIT = `t1:${'7'.repeat(64)}`;
const SECRET = 'zoom-app-secret-token';
const { downloaded } = observed;


/**
 * Zoom's `recording.completed` webhook at ingest, against the fake Zoom: the timestamp and the
 * signature are checked before anything else, the URL validation is answered, and an event
 * registers its recording once (Zoom's retries and a later sync add nothing), the download
 * following as the usual job.
 */
describe("Zoom's recording.completed webhook (ingest)", () => {
  let world: ServiceWorld;
  let zoom: FakeZoom;
  let bus: MessageBus;
  let db: DataSource;
  let sourceId: string;

  const meeting = (uuid: string, topic: string, minutes: number, bytes: Buffer): FakeZoomMeeting => ({
    uuid,
    id: Math.floor(Math.random() * 1e9),
    topic,
    hostId: 'host-1',
    startTime: new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    duration: minutes,
    files: [
      { id: `${uuid}-gallery`, fileType: 'MP4', recordingType: 'gallery_view', bytes: Buffer.alloc(1024, 1) },
      { id: `${uuid}-screen`, fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', bytes },
    ],
  });

  /** The query the gateway sends for a request Zoom signed (or a forger did). */
  const signed = (event: unknown, options: { secret?: string; at?: number; signature?: string } = {}): ReceiveZoomWebhook => {
    const body = JSON.stringify(event);
    const timestamp = String(Math.floor((options.at ?? Date.now()) / 1000));
    return { body, timestamp, signature: options.signature ?? zoomWebhookSignature(options.secret ?? SECRET, timestamp, body) };
  };
  const receive = (q: ReceiveZoomWebhook) => bus.request(MESSAGE_TYPES.ingest.ReceiveZoomWebhook, q, { timeoutMs: 15_000 });
  const recordingsOf = async (sourceKey: string): Promise<{ id: string; status: string; title: string }[]> =>
    db.query(`SELECT r.id, r.status, r.title FROM recordings r JOIN recording_sources s ON s.recording_id = r.id WHERE s.user_id = $1 AND s.source_key = $2`, [USER, sourceKey]);

  beforeAll(async () => {
    zoom = await startFakeZoom();
    zoom.addMeeting('me', meeting('lecture-uuid==', 'Compilers lecture', 90, Buffer.alloc(26 * MB, 7)));
    zoom.addMeeting('me', meeting('blank-uuid==', 'Sound check', 4, Buffer.alloc(2 * MB, 3)));
    world = await createServiceWorld('ingest_zoom_webhook');
    const ingest = await world.start(ingestService, {
      env: {
        CREDENTIALS_KEYRING: `k1:${'6'.repeat(64)}`,
        CREDENTIALS_TRANSIT_KEYRING: TRANSIT,
        ZOOM_API_BASE_URL: zoom.apiBaseUrl,
        ZOOM_OAUTH_BASE_URL: zoom.oauthBaseUrl,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        INGEST_DOWNLOAD_DIR: await world.tempDir('downloads'),
        RETENTION_SWEEP_INTERVAL: '0ms',
        STUCK_SWEEP_INTERVAL: '0ms',
      },
    });
    db = ingest.app.get(DataSource);
    bus = (await world.start(downloadObserver)).app.get(MessageBus);
    const fields = { accountId: zoom.accountId, clientId: zoom.clientId, clientSecret: zoom.clientSecret, webhookSecretToken: SECRET };
    const credential = await bus.request(
      MESSAGE_TYPES.ingest.CreateSourceCredential,
      { userId: USER, platform: 'zoom', accountName: 'school', sealedData: parseKeyring(TRANSIT).encryptJson(fields, `credential-transit:${USER}`) },
      { tenant: USER, timeoutMs: 15_000 },
    );
    // The secret token stays sealed: only a masked hint is ever shown.
    expect(credential.credential.hints?.webhookSecretToken).not.toContain(SECRET);
    const source = await bus.request(
      MESSAGE_TYPES.ingest.CreateSource,
      { userId: USER, name: 'School Zoom', platform: 'ZOOM', credentialId: credential.credential.id, config: { autoRun: true } as never },
      { tenant: USER, timeoutMs: 15_000 },
    );
    sourceId = source.source.id;
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await zoom?.close();
  });

  it('refuses a forged signature and a stale timestamp (401, stable codes) and registers nothing', async () => {
    const event = zoom.recordingCompletedEvent('lecture-uuid==');
    await expect(receive(signed(event, { secret: 'not-the-secret' }))).rejects.toMatchObject({ code: 'ZOOM_WEBHOOK.SIGNATURE_INVALID', status: 401 });
    await expect(receive({ ...signed(event), signature: '' })).rejects.toMatchObject({ code: 'ZOOM_WEBHOOK.SIGNATURE_INVALID', status: 401 });
    // Signed with the right secret, but six minutes ago: a replay.
    await expect(receive(signed(event, { at: Date.now() - 6 * 60_000 }))).rejects.toMatchObject({ code: 'ZOOM_WEBHOOK.STALE_TIMESTAMP', status: 401 });
    // Another account's event is not checked against this account's credential.
    await expect(receive(signed(zoom.recordingCompletedEvent('lecture-uuid==', { accountId: 'someone-else' }), { secret: 'other' }))).rejects.toMatchObject({
      code: 'ZOOM_WEBHOOK.SIGNATURE_INVALID',
    });
    await expect(receive({ body: 'not json', timestamp: String(Math.floor(Date.now() / 1000)), signature: 'v0=x' })).rejects.toMatchObject({ code: 'ZOOM_WEBHOOK.INVALID', status: 400 });
    expect(await recordingsOf('zoom:lecture-uuid==')).toEqual([]);
  });

  it('answers the URL validation challenge with the HMAC of the plain token', async () => {
    const answer = await receive(signed(zoom.urlValidationEvent('qgg8vlvZRS6UYooatFL8Aw')));
    expect(answer).toMatchObject({ outcome: 'validated', plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: urlValidationToken(SECRET, 'qgg8vlvZRS6UYooatFL8Aw') });
    await expect(receive(signed(zoom.urlValidationEvent('x'), { secret: 'wrong' }))).rejects.toMatchObject({ code: 'ZOOM_WEBHOOK.SIGNATURE_INVALID' });
  });

  it('registers a completed recording once however often Zoom sends it, downloads its best file, and a sync of the same meeting adds nothing', async () => {
    const event = zoom.recordingCompletedEvent('lecture-uuid==');
    // Zoom retries the same event, some deliveries at the same time.
    const answers = await Promise.all([receive(signed(event)), receive(signed(event)), receive(signed(event))]);
    expect(answers.map((a) => a.outcome).sort()).toEqual(['duplicate', 'duplicate', 'ingested']);
    const again = await receive(signed(event));
    expect(again.outcome).toBe('duplicate');
    const [recording] = await recordingsOf('zoom:lecture-uuid==');
    expect(await recordingsOf('zoom:lecture-uuid==')).toHaveLength(1);
    expect(recording.title).toBe('Compilers lecture');
    expect(new Set([...answers, again].flatMap((a) => a.recordingIds))).toEqual(new Set([recording.id]));
    const done = await eventually(() => {
      const event = downloaded.find((d) => d.recordingId === recording.id);
      expect(event).toBeDefined();
      return event!;
    }, { timeoutMs: 60_000 });
    expect(Number(done.source.sizeBytes)).toBe(26 * MB);
    expect(zoom.stats.downloads).toBe(1);

    // A sync over the same days lists the meeting: it is known, nothing new.
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    const started = await bus.request(MESSAGE_TYPES.ingest.SyncSources, { userId: USER, sourceIds: [sourceId], fromDate: from, toDate: today }, { tenant: USER, timeoutMs: 15_000 });
    const sync = await eventually(async () => {
      const found = await bus.request(MESSAGE_TYPES.ingest.GetSourceSync, { userId: USER, syncId: started.syncs![0].id }, { tenant: USER, timeoutMs: 15_000 });
      expect(found.sync.status).toBe('SUCCEEDED');
      return found.sync;
    }, { timeoutMs: 60_000 });
    expect(sync.created).toBe(0);
    expect(sync.skips).toEqual(expect.arrayContaining([expect.objectContaining({ sourceKey: 'zoom:lecture-uuid==', recordingId: recording.id })]));
    expect(await recordingsOf('zoom:lecture-uuid==')).toHaveLength(1);
  }, 300_000);

  it('keeps a blank meeting SKIPPED, and acknowledges events it does not act on', async () => {
    const answer = await receive(signed(zoom.recordingCompletedEvent('blank-uuid==')));
    expect(answer.outcome).toBe('duplicate');
    const [blank] = await recordingsOf('zoom:blank-uuid==');
    expect(blank).toMatchObject({ status: 'SKIPPED', title: 'Sound check' });
    expect(answer.recordingIds).toEqual([blank.id]);
    expect(await receive(signed({ event: 'meeting.started', payload: { account_id: zoom.accountId, object: {} } }))).toEqual({ outcome: 'ignored', recordingIds: [] });
  });
});
