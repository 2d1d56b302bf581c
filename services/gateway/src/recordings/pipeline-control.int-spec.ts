import { DataSource } from 'typeorm';
import { LeapError, MessageBus, newMessageId, type MessageContext, type UntypedMessages } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import type { PauseRecording, PauseResult, RunRecording, RunResult } from '@leap/contracts';
import { expectProblem, gatewayTestEnv, httpClient, ingestStandIn, quotaStandIn, startGateway, verifiedUser, type Account } from '../testing';

/** What the ingest stand-in answers, by recording id; a recording not listed is unknown to ingest. */
const answers = new Map<string, { pause?: () => PauseResult; run?: () => RunResult }>();
const asked: { type: string; data: PauseRecording | RunRecording; tenant?: string }[] = [];
/** Recordings whose pause ingest takes too long to answer; released when the spec ends. */
let releaseSlow: () => void = () => undefined;
const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
const SLOW = newMessageId();

function answer<R>(kind: 'pause' | 'run', query: PauseRecording | RunRecording): R | Promise<R> {
  if (query.recordingId === SLOW) return slow.then(() => ({ recordingId: SLOW, status: 'DOWNLOADED', paused: true, stages: [] }) as R);
  const found = answers.get(query.recordingId)?.[kind];
  if (!found) throw new LeapError('INGEST.RECORDING_NOT_FOUND', `There is no recording ${query.recordingId}`, { status: 404 });
  return found() as R;
}

const ingest = ingestStandIn(
  (ctx: MessageContext<any>) => asked.push({ type: ctx.envelope.type, data: ctx.data, tenant: ctx.envelope.tenant }),
  { pause: (q) => answer<PauseResult>('pause', q), run: (q) => answer<RunResult>('run', q) },
);

const refuse = (code: string) => () => {
  throw new LeapError(code, `refused: ${code}`, { status: 409 });
};

describe('pausing and running a recording over HTTP', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  /** Publishes raw fixtures, as another service would: checked against proto/ at run time only. */
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;

  /** Publishes an event as ingest (or a worker service) would. */
  function publish(type: string, data: Record<string, unknown>): Promise<void> {
    return ingestDb.transaction((manager) => ingestBus.publish(manager, type, data, { subject: String(data.recordingId), tenant: String(data.userId) }));
  }

  /** A recording of `owner` the read model knows. */
  async function recording(owner: Account, title = 'Lecture'): Promise<string> {
    const recordingId = newMessageId();
    await publish('ingest.recording.registered.v1', {
      recordingId, userId: owner.id, sourceType: 'SOURCE_TYPE_UPLOAD', title, status: 'RECORDING_STATUS_DOWNLOADED', registeredAt: new Date().toISOString(),
    });
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${recordingId}`, { token: owner.token })).status).toBe(200), { timeoutMs: 20_000, intervalMs: 100 });
    return recordingId;
  }

  beforeAll(async () => {
    world = await createServiceWorld('gateway_pipeline_control', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', INGEST_REQUEST_TIMEOUT: '5s' }));
    const stand = await world.start(ingest);
    // Every run is checked against the monthly processing first; this quota grants them all.
    await world.start(quotaStandIn({ reserve: () => ({ granted: false, used: '0', period: '' }), release: () => undefined }));
    ingestBus = stand.app.get(MessageBus);
    ingestDb = stand.app.get(DataSource);
    ({ db, base } = await startGateway(world));
    alice = await verifiedUser(client, db, 'alice@example.org');
    bob = await verifiedUser(client, db, 'bob@example.org');
  }, 300_000);

  afterAll(async () => {
    releaseSlow();
    await world?.close();
  });

  it('pauses: answers the status and the stages ingest sent back, having asked ingest as the owner', async () => {
    const id = await recording(alice);
    answers.set(id, { pause: () => ({ recordingId: id, status: 'DOWNLOADED', paused: true, stages: ['TRIM'] }) });

    const reply = await call('POST', `/api/v1/recordings/${id}/pause`, { token: alice.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ id, status: 'DOWNLOADED', paused: true, stages: ['TRIM'], links: { self: `/api/v1/recordings/${id}` } });
    expect(asked.filter((a) => a.data.recordingId === id)).toEqual([{ type: 'ingest.recording.pause.v1', data: { recordingId: id, userId: alice.id }, tenant: alice.id }]);
  });

  it('runs: answers the stages started, or none when nothing is left to do', async () => {
    const id = await recording(alice);
    answers.set(id, { run: () => ({ recordingId: id, status: 'PROCESSING', paused: false, stages: ['TRIM'] }) });
    const started = await call('POST', `/api/v1/recordings/${id}/run`, { token: alice.token });
    expect(started.status).toBe(200);
    expect(started.body).toEqual({ id, status: 'PROCESSING', paused: false, stages: ['TRIM'], dryRun: false, links: { self: `/api/v1/recordings/${id}` } });

    answers.set(id, { run: () => ({ recordingId: id, status: 'READY', stages: [] }) });
    const ready = await call('POST', `/api/v1/recordings/${id}/run`, { token: alice.token });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ id, status: 'READY', paused: false, stages: [], dryRun: false });

    // The body's overrides and a dry run (body or query) reach ingest as the run's query.
    answers.set(id, { run: () => ({ recordingId: id, status: 'PROCESSING', paused: false, stages: ['TRANSCRIBE'], dryRun: true, plan: [], effective: {}, sources: {}, layers: [] }) });
    const overrides = { templateId: id, processingConfig: { trimming: { enableTrimming: false } } };
    const planned = await call('POST', `/api/v1/recordings/${id}/run?dryRun=true`, { token: alice.token, json: overrides });
    expect(planned.status).toBe(200);
    expect(planned.body).toMatchObject({ dryRun: true, plan: [], config: { effective: { processing: {}, metadata: {}, output: {} }, sources: {}, layers: [] } });
    expect(asked.filter((a) => a.data.recordingId === id).at(-1)?.data).toEqual({ recordingId: id, userId: alice.id, overrides, dryRun: true });
  });

  it("answers ingest's refusals as 409 problems with ingest's code", async () => {
    const id = await recording(alice);
    answers.set(id, { pause: refuse('INGEST.NOTHING_TO_PAUSE'), run: refuse('INGEST.ALREADY_RUNNING') });
    expectProblem(await call('POST', `/api/v1/recordings/${id}/pause`, { token: alice.token }), 409, 'INGEST.NOTHING_TO_PAUSE');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/run`, { token: alice.token }), 409, 'INGEST.ALREADY_RUNNING');
    answers.set(id, { run: refuse('INGEST.NOT_RUNNABLE') });
    expectProblem(await call('POST', `/api/v1/recordings/${id}/run`, { token: alice.token }), 409, 'INGEST.NOT_RUNNABLE');
  });

  it('answers 404 RECORDING.NOT_FOUND for unknown ids, for another user, and when ingest no longer knows the recording', async () => {
    const unknown = newMessageId();
    expectProblem(await call('POST', `/api/v1/recordings/${unknown}/pause`, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('POST', `/api/v1/recordings/${unknown}/run`, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');

    const id = await recording(alice);
    answers.set(id, { pause: () => ({ recordingId: id, status: 'DOWNLOADED', paused: true, stages: ['TRIM'] }) });
    expectProblem(await call('POST', `/api/v1/recordings/${id}/pause`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/run`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expect(asked.filter((a) => a.data.recordingId === id || a.data.recordingId === unknown)).toEqual([]);

    // Ingest has deleted it; the read model has not heard yet.
    const gone = await recording(alice);
    expectProblem(await call('POST', `/api/v1/recordings/${gone}/run`, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');
    expect(asked.filter((a) => a.data.recordingId === gone)).toHaveLength(1);
  });

  it('answers 503 INGEST.UNAVAILABLE when ingest does not answer in time', async () => {
    await publish('ingest.recording.registered.v1', {
      recordingId: SLOW, userId: alice.id, sourceType: 'SOURCE_TYPE_UPLOAD', title: 'Slow', status: 'RECORDING_STATUS_DOWNLOADED', registeredAt: new Date().toISOString(),
    });
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${SLOW}`, { token: alice.token })).status).toBe(200), { timeoutMs: 20_000, intervalMs: 100 });
    const reply = await call('POST', `/api/v1/recordings/${SLOW}/pause`, { token: alice.token });
    expectProblem(reply, 503, 'INGEST.UNAVAILABLE');
    expect(reply.headers.get('retry-after')).toBe('5');
  });

  it('shows the progress of running stages, only rising, 100 once completed, cleared by a pause and by a new attempt', async () => {
    const id = await recording(alice);
    const userId = alice.id;
    const stage = (name: string, status: string, attempt: number, extra: Record<string, unknown> = {}) =>
      publish('ingest.stage.status-changed.v1', { recordingId: id, userId, stage: `PIPELINE_STAGE_${name}`, status: `STAGE_STATUS_${status}`, attempt, ...extra });
    const media = (percent: number, step: string) => publish('media.progress.v1', { recordingId: id, userId, stage: 'PIPELINE_STAGE_TRIM', percent, step });
    const transcription = (percent: number, step: string) => publish('transcription.progress.v1', { recordingId: id, userId, stage: 'PIPELINE_STAGE_TRANSCRIBE', percent, step });
    const stagesNow = async (): Promise<Record<string, { status: string; attempt: number; progress: number | null; step: string | null; startedAt: string | null }>> => {
      const reply = await call('GET', `/api/v1/recordings/${id}`, { token: alice.token });
      expect(reply.status).toBe(200);
      return Object.fromEntries(reply.body.stages.map((s: any) => [s.target ? `${s.stage}:${s.target}` : s.stage, s]));
    };
    const until = (check: (stages: Awaited<ReturnType<typeof stagesNow>>) => void) =>
      eventually(async () => check(await stagesNow()), { timeoutMs: 20_000, intervalMs: 100 });

    // A report before the stage started is dropped.
    await media(10, 'probing');
    await stage('TRIM', 'IN_PROGRESS', 1, { startedAt: new Date().toISOString() });
    await until((s) => expect(s.TRIM).toMatchObject({ status: 'IN_PROGRESS', progress: null, step: null }));

    // Reports raise the value; a lower one arriving late does not lower it.
    const seen: number[] = [];
    await media(30, 'detecting silence');
    await media(55, 'encoding');
    await media(20, 'detecting silence');
    await stage('TRANSCRIBE', 'IN_PROGRESS', 1, { startedAt: new Date().toISOString() });
    await until((s) => {
      seen.push(s.TRIM!.progress ?? 0);
      expect(s.TRANSCRIBE?.status).toBe('IN_PROGRESS');
    });
    expect((await stagesNow()).TRIM).toMatchObject({ progress: 55, step: 'encoding' });
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    await stage('TRIM', 'COMPLETED', 1, { finishedAt: new Date().toISOString() });
    await transcription(40, 'recognising speech');
    await until((s) => expect(s.TRANSCRIBE).toMatchObject({ progress: 40, step: 'recognising speech' }));
    expect((await stagesNow()).TRIM).toMatchObject({ status: 'COMPLETED', progress: 100, step: null });

    // A pause takes the stage back to PENDING with nothing shown; the cancelled job's late report changes nothing.
    await stage('TRANSCRIBE', 'PENDING', 1);
    await transcription(60, 'recognising speech');
    await stage('UPLOAD', 'IN_PROGRESS', 1, { target: 'local', startedAt: new Date().toISOString() });
    await until((s) => expect(s['UPLOAD:local']?.status).toBe('IN_PROGRESS'));
    expect((await stagesNow()).TRANSCRIBE).toMatchObject({ status: 'PENDING', attempt: 1, progress: null, step: null, startedAt: null });

    // A run starts the next attempt from nothing.
    await stage('TRANSCRIBE', 'IN_PROGRESS', 2, { startedAt: new Date().toISOString() });
    await transcription(5, 'decoding audio');
    await until((s) => expect(s.TRANSCRIBE).toMatchObject({ status: 'IN_PROGRESS', attempt: 2, progress: 5, step: 'decoding audio' }));

    // An upload's progress is its target's.
    await publish('publishing.progress.v1', { recordingId: id, userId, targetId: 'local', percent: 70, step: 'copying video.mp4' });
    await publish('publishing.progress.v1', { recordingId: id, userId, targetId: 'youtube', percent: 90, step: 'uploading' });
    await until((s) => expect(s['UPLOAD:local']).toMatchObject({ progress: 70, step: 'copying video.mp4' }));
    expect((await stagesNow())['UPLOAD:youtube']).toBeUndefined();

    // Another user's report for the recording is ignored.
    await publish('publishing.progress.v1', { recordingId: id, userId: bob.id, targetId: 'local', percent: 95, step: 'forged' });
    await transcription(15, 'decoding audio');
    await until((s) => expect(s.TRANSCRIBE!.progress).toBe(15));
    expect((await stagesNow())['UPLOAD:local']!.progress).toBe(70);
  });
});
