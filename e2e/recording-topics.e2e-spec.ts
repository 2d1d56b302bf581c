import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, ObjectKind, PipelineStage, TopicGranularity, type ObjectRef, type RerunStage } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, newMessageId, type MessageContext, type UntypedMessages } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { transcriptionService } from '@leap/transcription-service';
import { expectProblem, gatewayTestEnv, httpClient, ingestStandIn, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

const GRANULARITY: Record<string, TopicGranularity> = { short: TopicGranularity.SHORT, medium: TopicGranularity.MEDIUM, long: TopicGranularity.LONG };

/** The transcripts the ingest stand-in knows, by recording; and how many times each has had its topics extracted. */
const transcripts = new Map<string, ObjectRef>();
const extractions = new Map<string, number>();

/**
 * Plays ingest's re-run of EXTRACT_TOPICS (its guard is ingest's own, tested there and end to end in
 * stage-reruns): refused before the recording has a transcript, else the extraction is sent to the
 * transcription service with the settings asked.
 */
async function rerunTopics(query: RerunStage, ctx: MessageContext<RerunStage>) {
  const transcript = transcripts.get(query.recordingId);
  if (query.stage !== PipelineStage.EXTRACT_TOPICS) throw new LeapError('INGEST.UNKNOWN_STAGE', `not ${query.stage}`, { status: 400 });
  if (!transcript) throw new LeapError('INGEST.STAGE_NOT_READY', `Recording ${query.recordingId} cannot re-run EXTRACT_TOPICS yet: it needs a transcript`, { status: 409 });
  const settings = query.settings ?? {};
  await ctx.send(
    MESSAGE_TYPES.transcription.ExtractTopics,
    { recordingId: query.recordingId, userId: query.userId, transcript, granularity: GRANULARITY[settings.granularity ?? 'medium'], ...(settings.questionsCount ? { questionsCount: settings.questionsCount } : {}) },
    { subject: query.recordingId, tenant: query.userId },
  );
  const attempt = (extractions.get(query.recordingId) ?? 1) + 1;
  extractions.set(query.recordingId, attempt);
  return { recordingId: query.recordingId, status: 'PROCESSING', paused: false, stages: ['EXTRACT_TOPICS'], attempt };
}

/**
 * Topic versions over HTTP, with the real transcription service behind the gateway (both in this
 * process, on the real broker and database) and ingest played by a stand-in: a new
 * extraction with another granularity makes version 2 and leaves the transcript's bytes alone; a
 * hand edit changes the active version and marks it.
 */
describe('a recording’s topics over HTTP', () => {
  let world: ServiceWorld;
  let base: string;
  let store: ObjectStore;
  let transcriptionBus: MessageBus<UntypedMessages>;
  let transcriptionDb: DataSource;
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;

  /** A recording of `owner` the read model knows, with a transcript of `minutes` minutes when asked. */
  async function recording(owner: Account, minutes?: number): Promise<{ id: string; transcript?: Buffer }> {
    const id = newMessageId();
    await ingestDb.transaction((m) =>
      ingestBus.publish(m, 'ingest.recording.registered.v1', {
        recordingId: id, userId: owner.id, sourceType: 'SOURCE_TYPE_UPLOAD', title: 'Lecture', status: 'RECORDING_STATUS_PROCESSING', registeredAt: new Date().toISOString(),
      }, { subject: id, tenant: owner.id }),
    );
    let transcript: Buffer | undefined;
    if (minutes) {
      const key = storageKeys.masterTranscript(owner.id, id);
      const segments = Array.from({ length: minutes * 2 }, (_, i) => ({ start: i * 30, end: i * 30 + 20, text: `${i % 4 === 0 ? 'Graphs' : i % 4 === 1 ? 'Trees' : i % 4 === 2 ? 'Paths' : 'Cycles'} matter in lecture part ${i}.` }));
      const words = [{ text: 'Graphs', start: 0, end: 0.5 }, { text: 'matter', start: 0.6, end: 1.25 }];
      const master = { version: 1, language: 'en', provider: 'test', model: 'test', durationSeconds: minutes * 60, words, segments, stats: { wordCount: words.length } };
      const stored = await store.put(key, JSON.stringify(master), { contentType: 'application/json' });
      transcript = await store.getBuffer(key);
      transcripts.set(id, { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'application/json', kind: ObjectKind.TRANSCRIPT });
      await transcriptionDb.transaction((m) =>
        transcriptionBus.publish(m, MESSAGE_TYPES.transcription.RecordingTranscribed, {
          recordingId: id, userId: owner.id, master: { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'application/json', kind: ObjectKind.TRANSCRIPT }, language: 'en',
        }, { subject: id, tenant: owner.id }),
      );
    }
    await eventually(
      async () => {
        const reply = await call('GET', `/api/v1/recordings/${id}`, { token: owner.token });
        expect(reply.status).toBe(200);
        if (minutes) expect(reply.body.links['transcript.json']).toBeDefined();
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    return { id, transcript };
  }

  beforeAll(async () => {
    world = await createServiceWorld('gateway_topics', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const ingest = await world.start(ingestStandIn(() => undefined, { rerun: rerunTopics }));
    ingestBus = ingest.app.get(MessageBus);
    ingestDb = ingest.app.get(DataSource);
    const transcription = await world.start(transcriptionService);
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
    transcriptionBus = transcription.app.get(MessageBus);
    transcriptionDb = transcription.app.get(DataSource);
    const gateway = await startGateway(world);
    base = gateway.base;
    const db = gateway.db;
    alice = await verifiedUser(client, db, 'alice@example.org');
    bob = await verifiedUser(client, db, 'bob@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  it('extracts again with another granularity as version 2, leaving the transcript’s bytes unchanged, then edits the active version by hand', async () => {
    const { id, transcript } = await recording(alice, 60);
    const first = await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'short', questionsCount: 2 } });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ id, granularity: 'short', status: 'accepted', attempt: 2, links: { self: `/api/v1/recordings/${id}`, topics: `/api/v1/recordings/${id}/topics` } });
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${id}/topics`, { token: alice.token })).body?.activeVersion).toBe(1), { timeoutMs: 30_000, intervalMs: 200 });

    const second = await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'long' } });
    expect(second.status).toBe(202);
    const topics = await eventually(
      async () => {
        const reply = await call('GET', `/api/v1/recordings/${id}/topics`, { token: alice.token });
        expect(reply.body?.activeVersion).toBe(2);
        return reply.body;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(topics.versions.map((v: { version: number; granularity: string; questions: string[]; manuallyEdited: boolean }) => [v.version, v.granularity, v.questions.length, v.manuallyEdited])).toEqual([
      [1, 'short', 2, false],
      [2, 'long', 3, false],
    ]);
    expect(topics.versions[1].topics.length).toBeGreaterThan(topics.versions[0].topics.length);
    expect((await store.getBuffer(storageKeys.masterTranscript(alice.id, id))).equals(transcript!)).toBe(true);

    const edited = await call('PATCH', `/api/v1/recordings/${id}/topics`, {
      token: alice.token,
      json: { summary: 'Graphs, trees and paths.', topics: [{ start: 0, title: 'Introduction' }, { start: 600, title: 'Graphs in depth' }] },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      version: 2,
      granularity: 'long',
      summary: 'Graphs, trees and paths.',
      topics: [
        { start: 0, end: 600, title: 'Introduction' },
        { start: 600, end: 3600, title: 'Graphs in depth' },
      ],
      manuallyEdited: true,
    });
    const after = (await call('GET', `/api/v1/recordings/${id}/topics`, { token: alice.token })).body;
    expect(after.versions[0].manuallyEdited).toBe(false);
    expect(after.versions[1]).toEqual(edited.body);
  }, 300_000);

  it('refuses what cannot be done, with codes, and shows nothing to another user', async () => {
    const { id: bare } = await recording(alice);
    expectProblem(await call('POST', `/api/v1/recordings/${bare}/topics`, { token: alice.token, json: { granularity: 'medium' } }), 409, 'TOPICS.NO_TRANSCRIPT');
    expectProblem(await call('PATCH', `/api/v1/recordings/${bare}/topics`, { token: alice.token, json: { summary: 'x' } }), 404, 'TRANSCRIPTION.TOPICS_MISSING');
    expectProblem(await call('GET', `/api/v1/recordings/${bare}/topics`, { token: alice.token }), 404, 'ARTIFACT.NOT_READY');
    expectProblem(await call('POST', `/api/v1/recordings/${bare}/topics`, { token: alice.token, json: { granularity: 'huge' } }), 400, 'VALIDATION.FAILED');

    const { id } = await recording(alice, 10);
    expect((await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'medium' } })).status).toBe(202);
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${id}/topics`, { token: alice.token })).status).toBe(200), { timeoutMs: 30_000, intervalMs: 200 });
    expectProblem(
      await call('PATCH', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { topics: [{ start: 100, title: 'Later' }, { start: 50, title: 'Earlier' }] } }),
      422,
      'TRANSCRIPTION.TOPICS_EDIT_INVALID',
    );
    for (const [method, json] of [['GET', undefined], ['POST', { granularity: 'short' }], ['PATCH', { summary: 'mine now' }]] as const) {
      expectProblem(await call(method, `/api/v1/recordings/${id}/topics`, { token: bob.token, json }), 404, 'RECORDING.NOT_FOUND');
    }
  }, 300_000);

  it('serves every transcript form under the reference’s names, keeping the older links', async () => {
    const { id, transcript } = await recording(alice, 2);
    const json = await call('GET', `/api/v1/recordings/${id}/files/transcript_json`, { token: alice.token });
    expect(json.status).toBe(200);
    expect(Buffer.from(json.text).equals(transcript!)).toBe(true);
    expect(json.headers.get('content-disposition')).toMatch(/^attachment; filename="Lecture.json"/);
    const txt = await call('GET', `/api/v1/recordings/${id}/files/transcript_txt`, { token: alice.token });
    expect(txt.status).toBe(200);
    expect(txt.text.split('\n').slice(0, 2)).toEqual(['[00:00:00.000 - 00:00:20.000] Graphs matter in lecture part 0.', '[00:00:30.000 - 00:00:50.000] Trees matter in lecture part 1.']);
    const words = await call('GET', `/api/v1/recordings/${id}/files/transcript_words`, { token: alice.token });
    expect(words.text).toBe('[00:00:00.000 - 00:00:00.500] Graphs\n[00:00:00.600 - 00:00:01.250] matter\n');
    expect((await call('GET', `/api/v1/recordings/${id}/transcript.json`, { token: alice.token })).status).toBe(200);
    expectProblem(await call('GET', `/api/v1/recordings/${id}/files/srt`, { token: alice.token }), 404, 'ARTIFACT.NOT_READY');
    expectProblem(await call('GET', `/api/v1/recordings/${id}/files/mp3`, { token: alice.token }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', `/api/v1/recordings/${id}/files/transcript_txt`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
  }, 300_000);
});
