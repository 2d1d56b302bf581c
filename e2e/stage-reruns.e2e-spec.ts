import { readFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { ingestService } from '@leap/ingest-service';
import { mediaProcessingService } from '@leap/media-processing-service';
import { publishingService } from '@leap/publishing-service';
import { quotaService } from '@leap/quota-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageService } from '@leap/storage-service';
import { eventually, generateLecture } from '@leap/testing';
import { transcriptionService } from '@leap/transcription-service';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

const SETTLE = { timeoutMs: 240_000, intervalMs: 500 };

interface Stage {
  stage: string;
  status: string;
  attempt: number;
}
interface Artifact {
  name: string;
  sizeBytes: number;
  checksumSha256: string | null;
}

/**
 * Re-running one stage on its own, over HTTP, with every service in this process on the real
 * broker and database: ffmpeg trims and the offline recogniser transcribes a generated lecture for
 * real. A re-trim with other settings makes a new processed video as a new TRIM attempt and leaves
 * the transcript alone; a re-transcription replaces the transcript (topic versions stay, the next
 * extraction adds one, and none starts while the transcription runs); a re-run of the subtitles
 * rewrites the files of the formats asked and no other. Refusals carry their codes, a plan with no
 * transcriptions left starts none, the feature flags guard every route, and a bulk dry run answers
 * what the real call then does.
 */
describe('re-running one stage of a recording', () => {
  let world: ServiceWorld;
  let ingestDb: DataSource;
  let gatewayDb: DataSource;
  let quotaDb: DataSource;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  let lecture: Buffer;

  beforeAll(async () => {
    // Seven services share the machine (and ffmpeg and the recogniser with them): small pools, patient answers.
    const shared = { DATABASE_POOL_SIZE: '3', QUOTA_REQUEST_TIMEOUT: '30s', INGEST_REQUEST_TIMEOUT: '30s', PUBLISHING_REQUEST_TIMEOUT: '30s' };
    world = await createServiceWorld('stage_reruns', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', ...shared }));
    quotaDb = (await world.start(quotaService)).app.get(DataSource);
    await world.start(storageService);
    await world.start(mediaProcessingService);
    await world.start(transcriptionService);
    await world.start(publishingService, { env: { EXPORT_ROOT: await world.tempDir('exports') } });
    ingestDb = (await world.start(ingestService)).app.get(DataSource);
    const gateway = await startGateway(world);
    base = gateway.base;
    gatewayDb = gateway.db;
    alice = await verifiedUser(client, gatewayDb, 'alice@example.org');
    bob = await verifiedUser(client, gatewayDb, 'bob@example.org');
    // Two seconds of silence at each end: the default padding (5 s) keeps the whole, a smaller one cuts.
    const generated = await generateLecture({ dir: await world.tempDir('lecture'), durationSeconds: 14, leadingSilenceSeconds: 2, trailingSilenceSeconds: 2 });
    lecture = await readFile(generated.path);
  }, 300_000);

  afterAll(() => world?.close());

  async function upload(who: Account, title: string, file: Buffer = lecture): Promise<string> {
    const form = new FormData();
    form.append('title', title);
    form.append('file', new Blob([file], { type: 'video/mp4' }), 'lecture.mp4');
    const reply = await call('POST', '/api/v1/recordings', { token: who.token, form });
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status: 202, code: undefined });
    return reply.body.id as string;
  }

  const detail = async (who: Account, id: string) => (await call('GET', `/api/v1/recordings/${id}`, { token: who.token })).body;
  const stageOf = (body: { stages: Stage[] }, name: string) => body.stages.find((s) => s.stage === name)!;
  const artifact = (body: { artifacts: Artifact[] }, name: string) => body.artifacts.find((a) => a.name === name);

  /** The recording once nothing of it is pending or running, with `check` holding. */
  async function settled(who: Account, id: string, check: (body: any) => void = () => undefined) {
    return eventually(async () => {
      const body = await detail(who, id);
      expect(body.stages.filter((s: Stage) => s.status === 'IN_PROGRESS' || s.status === 'PENDING')).toEqual([]);
      check(body);
      return body;
    }, SETTLE);
  }

  async function transcript(id: string): Promise<{ segments: Array<{ start: number; text: string }> }> {
    const reply = await call('GET', `/api/v1/recordings/${id}/transcript.json`, { token: alice.token });
    expect(reply.status).toBe(200);
    return reply.body;
  }

  async function subtitles(id: string): Promise<string> {
    const reply = await call('GET', `/api/v1/recordings/${id}/subtitles.srt`, { token: alice.token });
    expect(reply.status).toBe(200);
    return reply.text;
  }

  /** Commands ingest has sent for a recording, by routing key. */
  async function sent(id: string, routingKey: string): Promise<number> {
    const [row] = await ingestDb.query(`SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1 AND routing_key = $2`, [id, routingKey]);
    return row.n;
  }

  it('re-trims, re-transcribes and re-writes the subtitles of a finished recording, each as a new attempt of that stage alone', async () => {
    const id = await upload(alice, 'Graphs');
    const first = await settled(alice, id, (b) => expect(b.status).toBe('READY'));
    expect(first.stages.map((s: Stage) => `${s.stage}:${s.status}:${s.attempt}`)).toEqual([
      'DOWNLOAD:SKIPPED:1',
      'TRIM:COMPLETED:1',
      'TRANSCRIBE:COMPLETED:1',
      'EXTRACT_TOPICS:COMPLETED:1',
      'GENERATE_SUBTITLES:COMPLETED:1',
      'UPLOAD:COMPLETED:1',
    ]);
    // Two seconds of silence and five of padding: the first trim kept the original whole.
    expect(artifact(first, 'video')!.sizeBytes).toBe(lecture.length);
    const transcriptBefore = await transcript(id);
    const srtBefore = await subtitles(id);

    const trimmed = await call('POST', `/api/v1/recordings/${id}/trim`, { token: alice.token, json: { paddingBefore: 0.5, paddingAfter: 0.5, silenceThreshold: -35 } });
    expect(trimmed.status).toBe(202);
    expect(trimmed.body).toEqual({ id, stage: 'TRIM', attempt: 2, status: 'PROCESSING', paused: false, stages: ['TRIM'], links: { self: `/api/v1/recordings/${id}` } });
    // The trim runs: nothing else of the recording may start until it is done.
    expectProblem(await call('POST', `/api/v1/recordings/${id}/transcribe`, { token: alice.token, json: {} }), 409, 'INGEST.ALREADY_RUNNING');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/trim`, { token: alice.token, json: {} }), 409, 'INGEST.ALREADY_RUNNING');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'long' } }), 409, 'INGEST.ALREADY_RUNNING');

    const retrimmed = await settled(alice, id, (b) => {
      expect(stageOf(b, 'TRIM')).toMatchObject({ status: 'COMPLETED', attempt: 2 });
      expect(b.status).toBe('READY');
    });
    const video = artifact(retrimmed, 'video')!;
    expect(video.checksumSha256).not.toBe(artifact(first, 'video')!.checksumSha256);
    expect(video.sizeBytes).toBeLessThan(lecture.length);
    // Only the trim ran again: the transcript, topics, subtitles and upload keep their attempt and their results.
    expect(retrimmed.stages.filter((s: Stage) => s.stage !== 'TRIM').map((s: Stage) => s.attempt)).toEqual([1, 1, 1, 1, 1]);
    expect(artifact(retrimmed, 'transcript')).toEqual(artifact(first, 'transcript'));

    const transcribed = await call('POST', `/api/v1/recordings/${id}/transcribe`, { token: alice.token, json: { language: 'en' } });
    expect(transcribed.status).toBe(202);
    expect(transcribed.body).toMatchObject({ stage: 'TRANSCRIBE', attempt: 2, status: 'PROCESSING', stages: ['TRANSCRIBE'] });
    // Topics now would be extracted from the transcript about to be replaced: refused, and none is sent.
    const extractionsBefore = await sent(id, 'transcription.topics.extract.v1');
    const early = await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'long' } });
    expectProblem(early, 409, 'INGEST.ALREADY_RUNNING');
    expect(early.body.detail).toBe(`Recording ${id} already has a stage in progress`);
    expect(await sent(id, 'transcription.topics.extract.v1')).toBe(extractionsBefore);
    const retranscribed = await settled(alice, id, (b) => expect(stageOf(b, 'TRANSCRIBE')).toMatchObject({ status: 'COMPLETED', attempt: 2 }));
    expect(artifact(retranscribed, 'transcript')!.checksumSha256).not.toBe(artifact(first, 'transcript')!.checksumSha256);
    // The new transcript is of the trimmed audio: the speech starts about 1.5 s earlier in it.
    const transcriptAfter = await transcript(id);
    expect(transcriptAfter.segments.length).toBeGreaterThan(0);
    expect(transcriptAfter.segments[0].start).toBeLessThan(transcriptBefore.segments[0].start - 1);

    // Topic versions made before stay; the next extraction adds one.
    const topicsBefore = (await call('GET', `/api/v1/recordings/${id}/topics`, { token: alice.token })).body;
    expect(topicsBefore.versions.map((v: { version: number }) => v.version)).toEqual([1]);
    const extracted = await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'long' } });
    expect(extracted.status).toBe(202);
    expect(extracted.body).toMatchObject({ id, granularity: 'long', status: 'accepted', attempt: 2 });
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${id}/topics`, { token: alice.token })).body.activeVersion).toBe(2), SETTLE);
    await settled(alice, id, (b) => expect(stageOf(b, 'EXTRACT_TOPICS')).toMatchObject({ status: 'COMPLETED', attempt: 2 }));

    // Only the VTT asked: it follows the new transcript, the SRT keeps its bytes.
    const vttOnly = await call('POST', `/api/v1/recordings/${id}/subtitles`, { token: alice.token, json: { formats: ['vtt'] } });
    expect(vttOnly.status).toBe(202);
    expect(vttOnly.body).toMatchObject({ stage: 'GENERATE_SUBTITLES', attempt: 2, stages: ['GENERATE_SUBTITLES'] });
    const vttRewritten = await settled(alice, id, (b) => expect(stageOf(b, 'GENERATE_SUBTITLES')).toMatchObject({ status: 'COMPLETED', attempt: 2 }));
    expect(artifact(vttRewritten, 'subtitlesVtt')!.checksumSha256).not.toBe(artifact(first, 'subtitlesVtt')!.checksumSha256);
    expect(artifact(vttRewritten, 'subtitlesSrt')).toEqual(artifact(first, 'subtitlesSrt'));
    expect(await subtitles(id)).toBe(srtBefore);

    const written = await call('POST', `/api/v1/recordings/${id}/subtitles`, { token: alice.token, json: { formats: ['srt', 'vtt'] } });
    expect(written.status).toBe(202);
    expect(written.body).toMatchObject({ stage: 'GENERATE_SUBTITLES', attempt: 3, stages: ['GENERATE_SUBTITLES'] });
    const rewritten = await settled(alice, id, (b) => expect(stageOf(b, 'GENERATE_SUBTITLES')).toMatchObject({ status: 'COMPLETED', attempt: 3 }));
    expect(artifact(rewritten, 'subtitlesSrt')!.checksumSha256).not.toBe(artifact(first, 'subtitlesSrt')!.checksumSha256);
    expect(artifact(rewritten, 'subtitlesVtt')).toEqual(artifact(vttRewritten, 'subtitlesVtt'));
    expect(await subtitles(id)).not.toBe(srtBefore);
    expect(rewritten.status).toBe('READY');
    expect(stageOf(rewritten, 'UPLOAD').attempt).toBe(1);
  }, 600_000);

  it('refuses a stage the recording is not ready for, and answers 404 for ids the caller does not have', async () => {
    // Not media at all: its trim fails, so there is no processed audio and no transcript.
    const garbage = Buffer.alloc(4000, 7);
    garbage.write('\0\0\0\x18ftypisom', 0, 'latin1');
    const id = await upload(alice, 'Broken', garbage);
    await settled(alice, id, (b) => {
      expect(b.failed).toBe(true);
      expect(stageOf(b, 'TRIM').status).toBe('FAILED');
    });
    expectProblem(await call('POST', `/api/v1/recordings/${id}/transcribe`, { token: alice.token, json: {} }), 409, 'INGEST.STAGE_NOT_READY');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/subtitles`, { token: alice.token, json: {} }), 409, 'INGEST.STAGE_NOT_READY');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/topics`, { token: alice.token, json: { granularity: 'short' } }), 409, 'TOPICS.NO_TRANSCRIPT');
    // The original is there: its trim may run again (and fails again, as a new attempt).
    const again = await call('POST', `/api/v1/recordings/${id}/trim`, { token: alice.token, json: {} });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ stage: 'TRIM', attempt: 2, stages: ['TRIM'] });
    await settled(alice, id, (b) => expect(stageOf(b, 'TRIM')).toMatchObject({ status: 'FAILED', attempt: 2 }));

    for (const path of ['trim', 'transcribe', 'subtitles']) {
      expectProblem(await call('POST', `/api/v1/recordings/${id}/${path}`, { token: bob.token, json: {} }), 404, 'RECORDING.NOT_FOUND');
      expectProblem(await call('POST', `/api/v1/recordings/0194a5c2-0000-7000-8000-000000000000/${path}`, { token: alice.token, json: {} }), 404, 'RECORDING.NOT_FOUND');
    }
    for (const json of [{ silenceThreshold: 3 }, { minSilence: 0 }, { paddingBefore: -1 }, { padding: 5 }]) {
      expectProblem(await call('POST', `/api/v1/recordings/${id}/trim`, { token: alice.token, json }), 400, 'VALIDATION.FAILED');
    }
    expectProblem(await call('POST', `/api/v1/recordings/${id}/transcribe`, { token: alice.token, json: { language: 'not a language' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/subtitles`, { token: alice.token, json: { formats: ['ass'] } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/subtitles`, { token: alice.token, json: { formats: [] } }), 400, 'VALIDATION.FAILED');
  }, 300_000);

  it('plans a bulk transcription in a dry run that the real call then carries out, item for item', async () => {
    const ready = await upload(alice, 'Trees');
    await settled(alice, ready, (b) => expect(b.status).toBe('READY'));
    const broken = Buffer.alloc(4000, 9);
    broken.write('\0\0\0\x18ftypisom', 0, 'latin1');
    const failed = await upload(alice, 'Broken too', broken);
    await settled(alice, failed, (b) => expect(stageOf(b, 'TRIM').status).toBe('FAILED'));
    const foreign = await upload(bob, 'Bob');
    const ids = [ready, failed, foreign];

    const sentBefore = await sent(ready, 'transcription.recording.transcribe.v1');
    const plan = await call('POST', '/api/v1/recordings/bulk/transcribe', { token: alice.token, json: { ids, language: 'en', dryRun: true } });
    expect(plan.status).toBe(200);
    expect(plan.body.items).toEqual([
      { id: ready, outcome: 'accepted', status: 'PROCESSING', stages: ['TRANSCRIBE'] },
      { id: failed, outcome: 'refused', code: 'INGEST.STAGE_NOT_READY', message: expect.any(String), status: 'DOWNLOADED' },
      { id: foreign, outcome: 'not_found', code: 'RECORDING.NOT_FOUND', message: `There is no recording ${foreign}` },
    ]);
    expect(plan.body).toMatchObject({ operation: 'transcribe', dryRun: true, matched: 3, summary: { accepted: 1, refused: 1, notFound: 1 } });
    expect(await sent(ready, 'transcription.recording.transcribe.v1')).toBe(sentBefore);
    expect(stageOf(await detail(alice, ready), 'TRANSCRIBE')).toMatchObject({ status: 'COMPLETED', attempt: 1 });

    const run = await call('POST', '/api/v1/recordings/bulk/transcribe', { token: alice.token, json: { ids, language: 'en' } });
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ ...plan.body, dryRun: false });
    expect(await sent(ready, 'transcription.recording.transcribe.v1')).toBe(sentBefore + 1);
    await settled(alice, ready, (b) => expect(stageOf(b, 'TRANSCRIBE')).toMatchObject({ status: 'COMPLETED', attempt: 2 }));

    // The other bulk re-runs answer the codes of their single routes.
    const subtitles = await call('POST', '/api/v1/recordings/bulk/subtitles', { token: alice.token, json: { ids: [ready, failed], dryRun: true } });
    expect(subtitles.body.items.map((i: { outcome: string; code?: string }) => [i.outcome, i.code])).toEqual([['accepted', undefined], ['refused', 'INGEST.STAGE_NOT_READY']]);
    const topics = await call('POST', '/api/v1/recordings/bulk/topics', { token: alice.token, json: { ids: [ready, failed], granularity: 'short', dryRun: true } });
    expect(topics.body.items.map((i: { outcome: string; code?: string }) => [i.outcome, i.code])).toEqual([['accepted', undefined], ['refused', 'TOPICS.NO_TRANSCRIPT']]);
    const trim = await call('POST', '/api/v1/recordings/bulk/trim', { token: alice.token, json: { ids: [ready], paddingBefore: 1, dryRun: true } });
    expect(trim.body.items).toEqual([{ id: ready, outcome: 'accepted', status: 'PROCESSING', stages: ['TRIM'] }]);
    const uploads = await call('POST', '/api/v1/recordings/bulk/upload', { token: alice.token, json: { ids: [ready], platforms: ['local', 'youtube'], dryRun: true } });
    expect(uploads.body.items).toEqual([{ id: ready, outcome: 'refused', code: 'PRESET.REQUIRED', message: expect.any(String), status: 'READY' }]);
    const targets = async () => (await call('GET', `/api/v1/recordings/${ready}/targets`, { token: alice.token })).body.items as Array<{ platform: string; status: string }>;
    const targetsBefore = (await targets()).length;
    const localPlan = await call('POST', '/api/v1/recordings/bulk/upload', { token: alice.token, json: { ids: [ready], platforms: ['local'], dryRun: true } });
    expect(localPlan.body.items).toEqual([{ id: ready, outcome: 'accepted', status: 'READY', stages: ['UPLOAD:local'] }]);
    expect(await targets()).toHaveLength(targetsBefore);
    const local = await call('POST', '/api/v1/recordings/bulk/upload', { token: alice.token, json: { ids: [ready], platforms: ['local'] } });
    expect(local.body).toEqual({ ...localPlan.body, dryRun: false });
    await eventually(async () => {
      const now = await targets();
      expect(now).toHaveLength(targetsBefore + 1);
      expect(now.map((t) => `${t.platform}:${t.status}`)).toContain('local:PUBLISHED');
    }, SETTLE);
    expectProblem(await call('POST', '/api/v1/recordings/bulk/trim', { token: alice.token, json: { ids: [ready], silenceThreshold: 10 } }), 400, 'VALIDATION.FAILED');

    // Alice's plan has no transcription left this month: single and bulk are refused, and nothing starts.
    const now = new Date();
    const period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name) VALUES ($1, 'free')`, [alice.id]);
    await quotaDb.query(
      `INSERT INTO usage (user_id, period, transcriptions_count) VALUES ($1, $2, 10) ON CONFLICT (user_id, period) DO UPDATE SET transcriptions_count = 10`,
      [alice.id, period],
    );
    try {
      const transcribesBefore = await sent(ready, 'transcription.recording.transcribe.v1');
      const over = await call('POST', `/api/v1/recordings/${ready}/transcribe`, { token: alice.token, json: {} });
      expectProblem(over, 429, 'QUOTA.EXCEEDED');
      expect(over.body).toMatchObject({ metric: 'TRANSCRIPTIONS', limit: 10, used: 10, period, detail: 'Monthly transcriptions limit reached: 10 of 10' });
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      for (const dryRun of [true, false]) {
        const bulkOver = await call('POST', '/api/v1/recordings/bulk/transcribe', { token: alice.token, json: { ids: [ready, failed], dryRun } });
        expectProblem(bulkOver, 429, 'QUOTA.EXCEEDED');
        expect(bulkOver.body).toMatchObject({ metric: 'TRANSCRIPTIONS', limit: 10, used: 10 });
      }
      expect(await sent(ready, 'transcription.recording.transcribe.v1')).toBe(transcribesBefore);
      expect(stageOf(await detail(alice, ready), 'TRANSCRIBE')).toMatchObject({ status: 'COMPLETED', attempt: 2 });
      // The other re-runs are not transcriptions: they are not held to it.
      const subtitlesPlan = await call('POST', '/api/v1/recordings/bulk/subtitles', { token: alice.token, json: { ids: [ready], dryRun: true } });
      expect(subtitlesPlan.body.items.map((i: { outcome: string }) => i.outcome)).toEqual(['accepted']);
    } finally {
      await quotaDb.query(`DELETE FROM subscriptions WHERE user_id = $1`, [alice.id]);
    }
  }, 600_000);

  it("counts each pipeline start against the plan's monthly processing and refuses a run past it, single and bulk, dry runs alike", async () => {
    const dana = await verifiedUser(client, gatewayDb, 'dana@example.org');
    const processed = async () =>
      ((await quotaDb.query(`SELECT coalesce(sum(processing_count), 0)::int AS n FROM usage WHERE user_id = $1`, [dana.id])) as Array<{ n: number }>)[0]!.n;
    const broken = Buffer.alloc(4000, 9);
    broken.write('\0\0\0\x18ftypisom', 0, 'latin1');
    const failed = await upload(dana, 'Broken', broken);
    await settled(dana, failed, (b) => expect(stageOf(b, 'TRIM')).toMatchObject({ status: 'FAILED', attempt: 1 }));
    // The upload's own run started the pipeline: one start counted.
    await eventually(async () => expect(await processed()).toBe(1), SETTLE);

    // Dana's plan has no run left this month.
    const now = new Date();
    const period = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    await quotaDb.query(`INSERT INTO subscriptions (user_id, plan_name) VALUES ($1, 'free')`, [dana.id]);
    await quotaDb.query(`UPDATE usage SET processing_count = 10 WHERE user_id = $1 AND period = $2`, [dana.id, period]);
    const trimsBefore = await sent(failed, 'media.recording.trim.v1');
    try {
      for (const path of [`/api/v1/recordings/${failed}/run`, `/api/v1/recordings/${failed}/run?dryRun=true`]) {
        const over = await call('POST', path, { token: dana.token, json: {} });
        expectProblem(over, 429, 'QUOTA.EXCEEDED');
        expect(over.body).toMatchObject({ metric: 'PROCESSING', limit: 10, used: 10, period, detail: 'Monthly processing limit reached: 10 of 10' });
        expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      for (const dryRun of [true, false]) {
        const bulkOver = await call('POST', '/api/v1/recordings/bulk/run', { token: dana.token, json: { ids: [failed], dryRun } });
        expectProblem(bulkOver, 429, 'QUOTA.EXCEEDED');
        expect(bulkOver.body).toMatchObject({ metric: 'PROCESSING', limit: 10, used: 10 });
      }
      expect(await sent(failed, 'media.recording.trim.v1')).toBe(trimsBefore);
      expect(stageOf(await detail(dana, failed), 'TRIM')).toMatchObject({ status: 'FAILED', attempt: 1 });
    } finally {
      await quotaDb.query(`DELETE FROM subscriptions WHERE user_id = $1`, [dana.id]);
    }

    // Without a plan she is unlimited: the run starts the trim again, and is counted.
    const run = await call('POST', `/api/v1/recordings/${failed}/run`, { token: dana.token, json: {} });
    expect(run.status).toBe(200);
    expect(await sent(failed, 'media.recording.trim.v1')).toBe(trimsBefore + 1);
    await eventually(async () => expect(await processed()).toBe(11), SETTLE);
    await settled(dana, failed, (b) => expect(stageOf(b, 'TRIM')).toMatchObject({ status: 'FAILED', attempt: 2 }));
  }, 600_000);

  it('guards each route with its feature flag, single and bulk alike', async () => {
    const carol = await verifiedUser(client, gatewayDb, 'carol@example.org');
    const id = await upload(carol, 'Carol');
    await gatewayDb.query(`UPDATE users SET can_process = false, can_transcribe = false, can_export = false WHERE id = $1`, [carol.id]);
    const routes: Array<[string, unknown]> = [
      [`/api/v1/recordings/${id}/trim`, {}],
      [`/api/v1/recordings/${id}/transcribe`, {}],
      [`/api/v1/recordings/${id}/subtitles`, {}],
      [`/api/v1/recordings/${id}/topics`, { granularity: 'short' }],
      [`/api/v1/recordings/${id}/upload/local`, {}],
      ['/api/v1/recordings/bulk/trim', { ids: [id] }],
      ['/api/v1/recordings/bulk/transcribe', { ids: [id] }],
      ['/api/v1/recordings/bulk/subtitles', { ids: [id] }],
      ['/api/v1/recordings/bulk/topics', { ids: [id], granularity: 'short' }],
      ['/api/v1/recordings/bulk/upload', { ids: [id], platforms: ['local'] }],
    ];
    await eventually(async () => {
      for (const [path, json] of routes) expectProblem(await call('POST', path, { token: carol.token, json }), 403, 'FEATURE.DISABLED');
    }, { timeoutMs: 30_000, intervalMs: 200 });
    // Each flag alone: transcription needs `transcribe`, not `process`.
    await gatewayDb.query(`UPDATE users SET can_transcribe = true WHERE id = $1`, [carol.id]);
    await eventually(async () => {
      expect((await call('POST', `/api/v1/recordings/${id}/transcribe`, { token: carol.token, json: {} })).status).not.toBe(403);
      expectProblem(await call('POST', `/api/v1/recordings/${id}/trim`, { token: carol.token, json: {} }), 403, 'FEATURE.DISABLED');
    }, { timeoutMs: 30_000, intervalMs: 200 });
  }, 300_000);
});
