import { DataSource } from 'typeorm';
import { LeapError, MessageBus, newMessageId, type MessageContext, type UntypedMessages } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import type { ResetRecording, ResetResult } from '@leap/contracts';
import { expectProblem, gatewayTestEnv, httpClient, ingestStandIn, startGateway, verifiedUser, type Account } from '../../testing';

/** What the ingest stand-in answers a reset with, by recording id; a recording not listed is unknown to ingest. */
const answers = new Map<string, (query: ResetRecording) => ResetResult>();
const asked: { type: string; data: unknown; tenant?: string }[] = [];

const ingest = ingestStandIn(
  (ctx: MessageContext<any>) => asked.push({ type: ctx.envelope.type, data: ctx.data, tenant: ctx.envelope.tenant }),
  {
    reset: (query) => {
      const found = answers.get(query.recordingId);
      if (!found) throw new LeapError('INGEST.RECORDING_NOT_FOUND', `There is no recording ${query.recordingId}`, { status: 404 });
      return found(query);
    },
  },
);

describe('resetting a recording over HTTP', () => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;

  function publish(type: string, data: Record<string, unknown>): Promise<void> {
    return ingestDb.transaction((manager) => ingestBus.publish(manager, type, data, { subject: String(data.recordingId), tenant: String(data.userId) }));
  }

  async function recording(owner: Account): Promise<string> {
    const recordingId = newMessageId();
    await publish('ingest.recording.registered.v1', {
      recordingId, userId: owner.id, sourceType: 'SOURCE_TYPE_UPLOAD', title: 'Lecture', status: 'RECORDING_STATUS_DOWNLOADED', registeredAt: new Date().toISOString(),
    });
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${recordingId}`, { token: owner.token })).status).toBe(200), { timeoutMs: 20_000, intervalMs: 100 });
    return recordingId;
  }

  beforeAll(async () => {
    world = await createServiceWorld('gateway_pipeline_reset', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const stand = await world.start(ingest);
    ingestBus = stand.app.get(MessageBus);
    ingestDb = stand.app.get(DataSource);
    ({ db, base } = await startGateway(world));
    alice = await verifiedUser(client, db, 'alice@example.org');
    bob = await verifiedUser(client, db, 'bob@example.org');
  }, 120_000);

  afterAll(() => world?.close());

  it('asks ingest as the owner, with or without deleting the files, and answers what it left', async () => {
    const id = await recording(alice);
    answers.set(id, (q) => ({ recordingId: id, status: q.deleteFiles ? 'INITIALIZED' : 'DOWNLOADED', paused: true, cancelled: ['TRIM'], filesDeleted: q.deleteFiles ?? false }));

    const kept = await call('POST', `/api/v1/recordings/${id}/reset`, { token: alice.token });
    expect(kept.status).toBe(200);
    expect(kept.body).toEqual({ id, status: 'DOWNLOADED', paused: true, stages: [], cancelled: ['TRIM'], filesDeleted: false, links: { self: `/api/v1/recordings/${id}` } });

    const wiped = await call('POST', `/api/v1/recordings/${id}/reset`, { token: alice.token, json: { deleteFiles: true } });
    expect(wiped.status).toBe(200);
    expect(wiped.body).toMatchObject({ id, status: 'INITIALIZED', filesDeleted: true });

    expect(asked.filter((a) => (a.data as { recordingId: string }).recordingId === id)).toEqual([
      { type: 'ingest.recording.reset.v1', data: { recordingId: id, userId: alice.id, deleteFiles: false }, tenant: alice.id },
      { type: 'ingest.recording.reset.v1', data: { recordingId: id, userId: alice.id, deleteFiles: true }, tenant: alice.id },
    ]);
  });

  it('refuses a bad body (400) and another user\'s or an unknown recording (404) without asking ingest', async () => {
    const id = await recording(alice);
    answers.set(id, () => ({ recordingId: id, status: 'DOWNLOADED', paused: true, cancelled: [], filesDeleted: false }));
    expectProblem(await call('POST', `/api/v1/recordings/${id}/reset`, { token: alice.token, json: { deleteFiles: 'yes' } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/reset`, { token: alice.token, json: { delete_everything: true } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', `/api/v1/recordings/${id}/reset`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('POST', `/api/v1/recordings/${newMessageId()}/reset`, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');
    expect(asked.filter((a) => (a.data as { recordingId: string }).recordingId === id)).toEqual([]);
  });

  it('the read model forgets artifacts and publications and takes the stages as the reset left them, in whichever order the events come', async () => {
    const id = await recording(alice);
    const userId = alice.id;
    const stage = (name: string, status: string, attempt: number, target?: string) =>
      publish('ingest.stage.status-changed.v1', { recordingId: id, userId, stage: `PIPELINE_STAGE_${name}`, status: `STAGE_STATUS_${status}`, attempt, ...(target ? { target } : {}) });
    const detail = async () => (await call('GET', `/api/v1/recordings/${id}`, { token: alice.token })).body;
    const stagesOf = (body: any) => Object.fromEntries(body.stages.map((s: any) => [s.target ? `${s.stage}:${s.target}` : s.stage, `${s.status}#${s.attempt}`]));

    await stage('TRIM', 'COMPLETED', 1);
    await stage('UPLOAD', 'COMPLETED', 1, 'local');
    await stage('UPLOAD', 'FAILED', 1, 'preset-1');
    const ref = (key: string, kind: string) => ({ key, sizeBytes: '100', kind, contentType: 'video/mp4' });
    await publish('media.recording.trimmed.v1', {
      recordingId: id, userId, video: ref(`users/${userId}/recordings/${id}/video.mp4`, 'OBJECT_KIND_VIDEO'), audio: ref(`users/${userId}/recordings/${id}/audio.mp3`, 'OBJECT_KIND_AUDIO'),
      sourceDurationSeconds: 60, trimmedDurationSeconds: 50,
    });
    await eventually(async () => {
      const body = await detail();
      expect(stagesOf(body)).toEqual({ TRIM: 'COMPLETED#1', 'UPLOAD:local': 'COMPLETED#1', 'UPLOAD:preset-1': 'FAILED#1' });
      expect(Object.keys(body.artifacts ?? {})).not.toHaveLength(0);
    }, { timeoutMs: 20_000, intervalMs: 100 });

    // The stage event ingest publishes after the reset comes first here: it changes nothing yet.
    await stage('TRIM', 'PENDING', 1);
    await publish('ingest.recording.was-reset.v1', {
      recordingId: id, userId, resetAt: new Date().toISOString(), filesDeleted: true,
      stages: [
        { stage: 'PIPELINE_STAGE_TRIM', status: 'STAGE_STATUS_PENDING', attempt: 1 },
        { stage: 'PIPELINE_STAGE_UPLOAD', target: 'local', status: 'STAGE_STATUS_PENDING', attempt: 1 },
      ],
    });
    await eventually(async () => {
      const body = await detail();
      expect(stagesOf(body)).toEqual({ TRIM: 'PENDING#1', 'UPLOAD:local': 'PENDING#1' });
      expect(Object.values(body.artifacts ?? {}).filter((a) => a !== null)).toEqual([]);
    }, { timeoutMs: 20_000, intervalMs: 100 });

    // A run after the reset goes on as a new attempt.
    await stage('TRIM', 'IN_PROGRESS', 2);
    await eventually(async () => expect(stagesOf(await detail()).TRIM).toBe('IN_PROGRESS#2'), { timeoutMs: 20_000, intervalMs: 100 });
  });
});
