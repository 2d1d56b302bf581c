import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, ObjectKind } from '@leap/contracts';
import { MessageBus, newMessageId, type UntypedMessages } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { ingestService } from '@leap/ingest-service';
import { storageService } from '@leap/storage-service';
import { transcriptionService } from '@leap/transcription-service';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

/**
 * Pipeline control over HTTP with the real ingest, transcription and storage services behind the
 * gateway (in this process, on the real broker and database): topics are not extracted again while
 * a stage runs, and the transcript is left alone; a reset with `deleteFiles` leaves no object under
 * the recording's prefix and takes the recording back to its initial state.
 */
describe('resetting a recording end to end', () => {
  let world: ServiceWorld;
  let base: string;
  let store: ObjectStore;
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  let transcriptionBus: MessageBus<UntypedMessages>;
  let transcriptionDb: DataSource;
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;

  beforeAll(async () => {
    world = await createServiceWorld('e2e_pipeline_reset', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const ingest = await world.start(ingestService);
    ingestBus = ingest.app.get(MessageBus);
    ingestDb = ingest.app.get(DataSource);
    await world.start(storageService);
    // No quota service in this world: the monthly transcriptions gate has its own spec (transcription-quota.int-spec.ts).
    const transcription = await world.start(transcriptionService, { env: { TRANSCRIPTION_QUOTA_CHECK: 'false' } });
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
    transcriptionBus = transcription.app.get(MessageBus);
    transcriptionDb = transcription.app.get(DataSource);
    const gateway = await startGateway(world);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
  }, 180_000);

  afterAll(() => world?.close());

  it('refuses new topics while the trim runs, with the transcript untouched, then a reset with deleteFiles leaves nothing under the prefix', async () => {
    const id = newMessageId();
    const userId = alice.id;
    // The original is in storage and ingest registers it, as after an upload; its trim starts (no media service here, so it stays in progress).
    const source = await store.put(storageKeys.source(userId, id, 'mp4'), Buffer.alloc(4096, 1), { contentType: 'video/mp4' });
    await ingestDb.transaction((m) =>
      ingestBus.send(m, MESSAGE_TYPES.ingest.RegisterUploadedRecording, {
        recordingId: id, userId, originalFilename: 'lecture.mp4', sourceKey: storageKeys.source(userId, id, 'mp4'), sizeBytes: String(source.sizeBytes), contentType: 'video/mp4', title: 'Lecture',
      }, { subject: id, tenant: userId }),
    );
    // A transcript, as the transcription service would have written it.
    const key = storageKeys.masterTranscript(userId, id);
    const segments = Array.from({ length: 60 }, (_, i) => ({ start: i * 30, end: i * 30 + 20, text: `${['Graphs', 'Trees', 'Paths', 'Cycles'][i % 4]} matter in lecture part ${i}.` }));
    const master = { version: 1, language: 'en', provider: 'test', model: 'test', durationSeconds: 1800, words: [{ text: 'Graphs', start: 0, end: 0.5 }], segments, stats: { wordCount: 1 } };
    const stored = await store.put(key, JSON.stringify(master), { contentType: 'application/json' });
    const transcript = await store.getBuffer(key);
    await transcriptionDb.transaction((m) =>
      transcriptionBus.publish(m, MESSAGE_TYPES.transcription.RecordingTranscribed, {
        recordingId: id, userId, master: { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'application/json', kind: ObjectKind.TRANSCRIPT }, language: 'en',
      }, { subject: id, tenant: userId }),
    );
    await eventually(async () => {
      const reply = await call('GET', `/api/v1/recordings/${id}`, { token: alice.token });
      expect(reply.status).toBe(200);
      expect(reply.body.links['transcript.json']).toBeDefined();
      expect(reply.body.status).toBe('PROCESSING');
    }, { timeoutMs: 30_000, intervalMs: 200 });

    // The trim runs: a topics extraction is refused as every re-run is, and nothing is extracted.
    expectProblem(await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'long' } }), 409, 'INGEST.ALREADY_RUNNING');
    const [{ n: extractions }] = await ingestDb.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND routing_key = 'transcription.topics.extract.v1'`, [id]);
    expect(extractions).toBe(0);
    expect(await store.exists(storageKeys.topics(userId, id))).toBe(false);
    expect((await store.getBuffer(key)).equals(transcript)).toBe(true);
    expect((await store.list(storageKeys.recordingPrefix(userId, id))).length).toBeGreaterThanOrEqual(2);

    const reset = await call('POST', `/api/v1/recordings/${id}/reset`, { token: alice.token, json: { deleteFiles: true } });
    expect(reset.status).toBe(200);
    expect(reset.body).toMatchObject({ id, status: 'INITIALIZED', paused: true, cancelled: ['TRIM'], filesDeleted: true });

    await eventually(async () => expect(await store.list(storageKeys.recordingPrefix(userId, id))).toEqual([]), { timeoutMs: 30_000, intervalMs: 200 });
    await eventually(async () => {
      const body = (await call('GET', `/api/v1/recordings/${id}`, { token: alice.token })).body;
      expect(body.status).toBe('INITIALIZED');
      expect(body.links['transcript.json']).toBeUndefined();
      expect(body.stages.filter((s: { status: string }) => s.status !== 'PENDING').map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(['DOWNLOAD:SKIPPED']);
    }, { timeoutMs: 30_000, intervalMs: 200 });
  }, 150_000);
});
