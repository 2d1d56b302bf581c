import type { DataSource } from 'typeorm';
import { MESSAGE_TYPES } from '@leap/contracts';
import { MessageBus, newMessageId } from '@leap/messaging';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { StreamTokens } from '../auth/stream-tokens';
import { expectProblem, gatewayTestEnv, httpClient, openSse, startGateway, verifiedUser, type Account, type SseStream } from '../testing';
import { EventSweep } from './event-sweep.service';

const WAIT = { timeoutMs: 30_000 };
const STAGES = ['DOWNLOAD', 'TRIM', 'TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES'] as const;

describe('live progress as server-sent events', () => {
  let world: ServiceWorld;
  let base: string;
  let db: DataSource;
  let bus: MessageBus;
  let tokens: StreamTokens;
  let sweep: EventSweep;
  const { call } = httpClient(() => base);
  let alice: Account;
  let bob: Account;
  const open: SseStream[] = [];
  const sse = async (path: string, options: Parameters<typeof openSse>[2] = {}) => {
    const stream = await openSse(base, path, options);
    open.push(stream);
    return stream;
  };

  beforeAll(async () => {
    world = await createServiceWorld('gateway_events', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', EVENTS_HEARTBEAT_INTERVAL: '200ms', EVENTS_SWEEP_INTERVAL: '0s', EVENTS_MAX_STREAMS_PER_USER: '5' }));
    const gateway = await startGateway(world);
    ({ base, db } = gateway);
    bus = gateway.app.get(MessageBus);
    tokens = gateway.app.get(StreamTokens);
    sweep = gateway.app.get(EventSweep);
    alice = await verifiedUser(gateway.client, db, 'alice@example.org');
    bob = await verifiedUser(gateway.client, db, 'bob@example.org');
  }, 300_000);

  afterEach(() => {
    for (const stream of open.splice(0)) stream.close();
  });

  afterAll(async () => {
    await world?.close();
  });

  const at = () => new Date().toISOString();
  const publish = (type: string, owner: Account, recordingId: string, data: Record<string, unknown>) =>
    bus.publishNow(type as never, { recordingId, userId: owner.id, ...data } as never, { subject: recordingId, tenant: owner.id });
  const registered = (owner: Account, recordingId: string) =>
    publish(MESSAGE_TYPES.ingest.RecordingRegistered, owner, recordingId, { sourceType: 'SOURCE_TYPE_UPLOAD', title: 'Lecture', status: 'RECORDING_STATUS_INITIALIZED', registeredAt: at() });
  const stage = (owner: Account, recordingId: string, name: string, status: 'IN_PROGRESS' | 'COMPLETED') =>
    publish(MESSAGE_TYPES.ingest.StageStatusChanged, owner, recordingId, {
      stage: `PIPELINE_STAGE_${name}`,
      status: `STAGE_STATUS_${status}`,
      attempt: 1,
      ...(status === 'IN_PROGRESS' ? { startedAt: at() } : { finishedAt: at() }),
    });
  const progress = (owner: Account, recordingId: string) =>
    publish(MESSAGE_TYPES.media.MediaProgress, owner, recordingId, { stage: 'PIPELINE_STAGE_TRIM', percent: 40, step: 'detecting silence' });
  const status = (owner: Account, recordingId: string, value: string) =>
    publish(MESSAGE_TYPES.ingest.RecordingStatusChanged, owner, recordingId, { status: `RECORDING_STATUS_${value}`, changedAt: at() });

  /** What a stream shows of its events: `type stage status` lines, in order. */
  const seen = (stream: SseStream, recordingId?: string) =>
    stream.messages
      .filter((m) => !recordingId || m.data.recordingId === recordingId)
      .map((m) => [m.event, m.data.stage, m.data.status ?? (m.data.percent !== undefined ? `${m.data.percent}%` : undefined)].filter(Boolean).join(' '));

  /**
   * The pipeline of one recording, each event published once the stream shows the one before,
   * so what the stream shows is the order in which the pipeline went.
   */
  async function pipeline(owner: Account, recordingId: string, stream: SseStream, stages: readonly string[] = STAGES): Promise<string[]> {
    const expected: string[] = [];
    const step = async (publishIt: () => Promise<unknown>, line: string) => {
      await publishIt();
      expected.push(line);
      await eventually(() => expect(seen(stream, recordingId)).toEqual(expected), WAIT);
    };
    await step(() => registered(owner, recordingId), 'recording.registered INITIALIZED');
    for (const name of stages) {
      await step(() => stage(owner, recordingId, name, 'IN_PROGRESS'), `recording.stage_changed ${name} IN_PROGRESS`);
      if (name === 'TRIM') await step(() => progress(owner, recordingId), 'recording.progress TRIM 40%');
      await step(() => stage(owner, recordingId, name, 'COMPLETED'), `recording.stage_changed ${name} COMPLETED`);
    }
    return expected;
  }

  it("shows every stage of a recording in order as it happens, with heartbeats, and nothing of another tenant's", async () => {
    const stream = await sse('/api/v1/events', { token: alice.token });
    const bobs = await sse('/api/v1/events', { token: bob.token });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toContain('no-cache');

    const recordingId = newMessageId();
    await pipeline(alice, recordingId, stream);
    await status(alice, recordingId, 'READY');
    await eventually(() => expect(seen(stream, recordingId).at(-1)).toBe('recording.status_changed READY'), WAIT);

    // Ids are the tenant's sequence: one more per event, in the order they came.
    const ids = stream.messages.map((m) => Number(m.id));
    expect(ids).toEqual(ids.map((_v, i) => ids[0]! + i));
    const trimmed = stream.messages.find((m) => m.event === 'recording.stage_changed' && m.data.stage === 'TRIM' && m.data.status === 'COMPLETED')!;
    expect(trimmed.data).toMatchObject({ recordingId, attempt: 1, finishedAt: expect.any(String), occurredAt: expect.any(String), error: null });
    expect(stream.messages.find((m) => m.event === 'recording.progress')!.data).toMatchObject({ stage: 'TRIM', percent: 40, step: 'detecting silence' });
    expect(stream.retry).toBe(3000);

    // Bob's stream is alive (its heartbeats keep coming after Alice's last event) and silent.
    const beats = bobs.comments.length;
    await eventually(() => expect(bobs.comments.length).toBeGreaterThan(beats + 1), WAIT);
    expect(bobs.comments).toContain('heartbeat');
    expect(bobs.messages).toEqual([]);
  }, 300_000);

  it('resumes after Last-Event-ID with every event missed while away, and nothing twice', async () => {
    const first = await sse('/api/v1/events', { token: alice.token });
    const recordingId = newMessageId();
    await pipeline(alice, recordingId, first, ['DOWNLOAD']);
    const lastSeen = first.messages.at(-1)!.id!;
    first.close();

    // While the client is away, the recording goes on.
    await stage(alice, recordingId, 'TRIM', 'IN_PROGRESS');
    await eventually(async () => {
      const reply = await call('GET', `/api/v1/recordings/${recordingId}`, { token: alice.token });
      expect(reply.body.stages.find((s: { stage: string }) => s.stage === 'TRIM')?.status).toBe('IN_PROGRESS');
    }, WAIT);
    await stage(alice, recordingId, 'TRIM', 'COMPLETED');
    await eventually(async () => {
      const reply = await call('GET', `/api/v1/recordings/${recordingId}`, { token: alice.token });
      expect(reply.body.stages.find((s: { stage: string }) => s.stage === 'TRIM')?.status).toBe('COMPLETED');
    }, WAIT);

    const again = await sse('/api/v1/events', { token: alice.token, headers: { 'last-event-id': lastSeen } });
    await eventually(() => expect(seen(again)).toEqual(['recording.stage_changed TRIM IN_PROGRESS', 'recording.stage_changed TRIM COMPLETED']), WAIT);
    expect(Number(again.messages[0]!.id)).toBe(Number(lastSeen) + 1);
    // And live from there.
    await stage(alice, recordingId, 'TRANSCRIBE', 'IN_PROGRESS');
    await eventually(() => expect(seen(again).at(-1)).toBe('recording.stage_changed TRANSCRIBE IN_PROGRESS'), WAIT);
    expect(new Set(again.messages.map((m) => m.id)).size).toBe(again.messages.length);

    // The query parameter does the same for a client that cannot set the header.
    const byQuery = await sse(`/api/v1/events?last_event_id=${lastSeen}`, { token: alice.token });
    await eventually(() => expect(seen(byQuery)).toEqual(seen(again)), WAIT);
  }, 300_000);

  it("replays one recording's events from its first, then follows it; another tenant gets a 404", async () => {
    const recordingId = newMessageId();
    const other = newMessageId();
    const tenant = await sse('/api/v1/events', { token: alice.token });
    const expected = await pipeline(alice, recordingId, tenant, ['DOWNLOAD', 'TRIM']);
    await registered(alice, other);
    await eventually(() => expect(seen(tenant, other)).toEqual(['recording.registered INITIALIZED']), WAIT);

    const stream = await sse(`/api/v1/recordings/${recordingId}/events`, { token: alice.token });
    await eventually(() => expect(seen(stream)).toEqual(expected), WAIT);
    await stage(alice, recordingId, 'TRANSCRIBE', 'IN_PROGRESS');
    await eventually(() => expect(seen(stream).at(-1)).toBe('recording.stage_changed TRANSCRIBE IN_PROGRESS'), WAIT);
    expect(stream.messages.every((m) => m.data.recordingId === recordingId)).toBe(true);

    const refused = await sse(`/api/v1/recordings/${recordingId}/events`, { token: bob.token });
    expect(refused.status).toBe(404);
    expect(refused.body.code).toBe('RECORDING.NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/events?last_event_id=abc', { token: alice.token }), 400, 'VALIDATION.FAILED');
  }, 300_000);

  it('opens from a browser with the session cookie or a stream token, and refuses an expired or altered token', async () => {
    const byCookie = await sse('/api/v1/events', { headers: { cookie: `access_token=${alice.token}` } });
    expect(byCookie.status).toBe(200);

    const minted = await call('POST', '/api/v1/events/token', { token: alice.token });
    expect(minted.status).toBe(201);
    expect(minted.body).toMatchObject({ token: expect.stringMatching(/^st1\./), expiresIn: 300 });
    const byToken = await sse(`/api/v1/events?stream_token=${encodeURIComponent(minted.body.token)}`);
    expect(byToken.status).toBe(200);
    const recordingId = newMessageId();
    await registered(alice, recordingId);
    for (const stream of [byCookie, byToken]) await eventually(() => expect(seen(stream, recordingId)).toEqual(['recording.registered INITIALIZED']), WAIT);

    // A token minted more than EVENTS_STREAM_TOKEN_TTL ago has expired.
    const old = tokens.issue({ userId: alice.id, sessionId: alice.sessionId, tokenVersion: 0 }, Date.now() - 301_000).token;
    const expired = await sse(`/api/v1/events?stream_token=${encodeURIComponent(old)}`);
    expect({ status: expired.status, code: expired.body?.code }).toEqual({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
    const altered = `${minted.body.token.slice(0, -2)}${minted.body.token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await sse(`/api/v1/events?stream_token=${encodeURIComponent(altered)}`)).status).toBe(401);
    // It opens streams only.
    expectProblem(await call('GET', `/api/v1/recordings?stream_token=${encodeURIComponent(minted.body.token)}`), 401, 'AUTH.UNAUTHENTICATED');
    // An API key sends itself in the header; it cannot mint tokens.
    const key = await call('POST', '/api/v1/api-keys', { token: alice.token, json: { name: 'server', scopes: ['read'] } });
    expectProblem(await call('POST', '/api/v1/events/token', { token: key.body.key }), 403, 'AUTH.SESSION_REQUIRED');
    // Signing out ends the session, and with it the tokens it minted.
    const session = await call('POST', '/api/v1/events/token', { token: bob.token });
    expect((await call('DELETE', `/api/v1/auth/sessions/${bob.sessionId}`, { token: bob.token })).status).toBeLessThan(300);
    expect((await sse(`/api/v1/events?stream_token=${encodeURIComponent(session.body.token)}`)).status).toBe(401);
  }, 300_000);

  it('feeds streams on every replica, in one sequence, so a client moving to another replica misses nothing', async () => {
    const second = await startGateway(world);
    const onFirst = await sse('/api/v1/events', { token: alice.token });
    const onSecond = await openSse(second.base, '/api/v1/events', { token: alice.token });
    open.push(onSecond);
    const recordingId = newMessageId();
    // Both replicas consume the read model's queue: each event is applied by one of them.
    const all = await pipeline(alice, recordingId, onSecond);
    await eventually(() => expect(seen(onFirst, recordingId)).toEqual(all), WAIT);
    expect(onFirst.messages.map((m) => m.id)).toEqual(onSecond.messages.map((m) => m.id));

    // A client that read part of it on the first replica resumes on the second.
    const half = onFirst.messages[4]!;
    const resumed = await openSse(second.base, '/api/v1/events', { token: alice.token, headers: { 'last-event-id': half.id! } });
    open.push(resumed);
    await eventually(() => expect(resumed.messages.map((m) => m.id)).toEqual(onFirst.messages.slice(5).map((m) => m.id)), WAIT);
  }, 300_000);

  it('delivers an event whose notification was lost at the next heartbeat, to tenant and recording streams alike', async () => {
    const recordingId = newMessageId();
    const tenant = await sse('/api/v1/events', { token: alice.token });
    await registered(alice, recordingId);
    await eventually(() => expect(seen(tenant, recordingId)).toEqual(['recording.registered INITIALIZED']), WAIT);
    const recording = await sse(`/api/v1/recordings/${recordingId}/events`, { token: alice.token });
    await eventually(() => expect(seen(recording)).toEqual(['recording.registered INITIALIZED']), WAIT);
    // Appended as the projection does, but with no NOTIFY: as if the listener was reconnecting.
    await db.transaction(async (m) => {
      // TypeORM answers an UPDATE with [rows, count].
      const [[{ seq }]] = await m.query(`UPDATE event_sequences SET last_seq = last_seq + 1 WHERE user_id = $1 RETURNING last_seq AS seq`, [alice.id]);
      await m.query(`INSERT INTO recording_events (user_id, seq, recording_id, type, data, occurred_at) VALUES ($1, $2, $3, 'recording.status_changed', $4, now())`, [
        alice.id,
        seq,
        recordingId,
        JSON.stringify({ recordingId, status: 'DOWNLOADED' }),
      ]);
    });
    for (const stream of [tenant, recording]) await eventually(() => expect(seen(stream).at(-1)).toBe('recording.status_changed DOWNLOADED'), WAIT);
  }, 300_000);

  it('holds at most EVENTS_MAX_STREAMS_PER_USER streams of one user open, and takes a new one once one closes', async () => {
    const carol = await verifiedUser(httpClient(base), db, 'carol@example.org');
    const five = await Promise.all(Array.from({ length: 5 }, () => sse('/api/v1/events', { token: carol.token })));
    expect(five.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const sixth = await sse('/api/v1/events', { token: carol.token });
    expect({ status: sixth.status, code: sixth.body?.code }).toEqual({ status: 429, code: 'EVENTS.TOO_MANY_STREAMS' });
    expect(sixth.headers.get('retry-after')).toBe('3');
    // Other users are not held back by it.
    expect((await sse('/api/v1/events', { token: alice.token })).status).toBe(200);
    five[0]!.close();
    await eventually(async () => expect((await sse('/api/v1/events', { token: carol.token })).status).toBe(200), WAIT);
  }, 300_000);

  it('forgets events after EVENTS_RETENTION, and a stream resuming past them says so first', async () => {
    const stream = await sse('/api/v1/events', { token: alice.token });
    const recordingId = newMessageId();
    await registered(alice, recordingId);
    await eventually(() => expect(seen(stream, recordingId)).toEqual(['recording.registered INITIALIZED']), WAIT);
    const kept = Number((await db.query(`SELECT count(*) AS n FROM recording_events WHERE user_id = $1`, [alice.id]))[0].n);
    expect(kept).toBeGreaterThan(1);

    // A week and a minute later every event so far is past its retention.
    const deleted = await sweep.sweep(new Date(Date.now() + 7 * 86_400_000 + 60_000));
    expect(deleted).toBeGreaterThanOrEqual(kept);
    expect(Number((await db.query(`SELECT count(*) AS n FROM recording_events WHERE user_id = $1`, [alice.id]))[0].n)).toBe(0);

    await stage(alice, recordingId, 'DOWNLOAD', 'IN_PROGRESS');
    await eventually(() => expect(seen(stream, recordingId).at(-1)).toBe('recording.stage_changed DOWNLOAD IN_PROGRESS'), WAIT);
    const resumed = await sse('/api/v1/events', { token: alice.token, headers: { 'last-event-id': '1' } });
    await eventually(() => expect(resumed.messages.map((m) => m.event)).toEqual(['stream.gap', 'recording.stage_changed']), WAIT);
    expect(resumed.messages[0]!.data).toEqual({ lastEventId: '1' });
  }, 300_000);
});
