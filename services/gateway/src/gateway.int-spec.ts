import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { createMemoryTransport } from '@leap/logging';
import { SERVICE_LOGGER } from '@leap/platform';
import { MessageBus, type UntypedMessages } from '@leap/messaging';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, freePort, startMailCatcher, type MailCatcher } from '@leap/testing';
import type { ReleaseReservation, ReservationDecision, ReserveRecording } from '@leap/contracts';
import { expectProblem, gatewayTestEnv, httpClient, ingestStandIn, quotaStandIn, startGateway, uploadForm as form, verifiedUserByMail, type Account } from './testing';

// ---------------------------------------------------------------- in-process stand-ins

const commands: { type: string; data: any; tenant?: string; correlationId: string }[] = [];
const releases: ReleaseReservation[] = [];
const quota = { grant: true, asked: [] as ReserveRecording[] };

const ingestProbe = ingestStandIn((ctx) => {
  commands.push({ type: ctx.envelope.type, data: ctx.data, tenant: ctx.envelope.tenant, correlationId: ctx.envelope.correlationid });
});

const fakeQuota = quotaStandIn({
  reserve(ask): ReservationDecision {
    quota.asked.push(ask);
    if (quota.grant) return { granted: true, reservationId: `res-${quota.asked.length}`, limit: '10', used: String(quota.asked.length - 1), period: '2026-01' };
    return { granted: false, limit: '3', used: '3', period: '2026-01', retryAfterSeconds: 3600, reason: 'Monthly recordings limit reached', metric: 'QUOTA_METRIC_RECORDINGS' };
  },
  release: (release) => releases.push(release),
});

describe('the gateway over HTTP', () => {
  let world: ServiceWorld;
  let store: LocalObjectStore;
  let base: string;
  let mp4: Buffer;
  /** Publishes raw fixtures, as another service would: checked against proto/ at run time only. */
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  let mail: MailCatcher;
  const accessLog = createMemoryTransport();

  const client = httpClient(() => base);
  const { call } = client;

  /** Registers, follows the link of the verification mail, and logs in. */
  const signUp = (email: string): Promise<Account> => verifiedUserByMail(client, mail, email);

  function publish(type: string, data: Record<string, unknown>): Promise<void> {
    return ingestDb.transaction((manager) => ingestBus.publish(manager, type, data, { subject: String(data.recordingId), tenant: String(data.userId) }));
  }

  beforeAll(async () => {
    const port = await freePort();
    mail = await startMailCatcher();
    world = await createServiceWorld('gateway', gatewayTestEnv({ SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}` }));
    const source = join(await world.tempDir('gateway-fixtures'), 'lecture.mp4');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=d=2:s=160x120', '-f', 'lavfi', '-i', 'sine=d=2', '-shortest', '-y', source]);
    mp4 = readFileSync(source);
    store = new LocalObjectStore(world.storageRoot);
    await world.start(fakeQuota);
    const ingest = await world.start(ingestProbe);
    ingestBus = ingest.app.get(MessageBus);
    ingestDb = ingest.app.get(DataSource);
    const gateway = await startGateway(world, { port, env: { UPLOAD_MAX_BYTES: String(mp4.length + 1024) } });
    base = gateway.base;
    // Keep the console as quiet as the test world has it, and collect info lines in memory.
    const logger = gateway.app.get<Logger>(SERVICE_LOGGER);
    for (const transport of logger.transports) transport.level ??= logger.level;
    logger.level = 'info';
    logger.add(accessLog.transport);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await mail?.close();
  });

  let alice: Account;
  let uploadedId: string;

  it('registers and logs in, refusing bad input, wrong passwords and missing tokens with problem details', async () => {
    alice = await signUp('Alice@Example.org');
    expect(alice.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);

    const taken = await call('POST', '/api/v1/auth/register', { json: { email: 'alice@example.org', password: 'Another password 2' } });
    expectProblem(taken, 409, 'AUTH.EMAIL_TAKEN');

    const invalid = await call('POST', '/api/v1/auth/register', { json: { email: 'not-an-email', password: 'short' } });
    expectProblem(invalid, 400, 'VALIDATION.FAILED');
    expect(invalid.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password']);

    const wrong = await call('POST', '/api/v1/auth/login', { json: { email: 'alice@example.org', password: 'wrong password' } });
    expectProblem(wrong, 401, 'AUTH.INVALID_CREDENTIALS');
    const nobody = await call('POST', '/api/v1/auth/login', { json: { email: 'nobody@example.org', password: 'wrong password' } });
    expectProblem(nobody, 401, 'AUTH.INVALID_CREDENTIALS');

    const login = await call('POST', '/api/v1/auth/login', { json: { email: 'alice@example.org', password: 'Correct horse 1' } });
    expect(login.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });

    const anonymous = await call('GET', '/api/v1/recordings', { headers: { 'x-request-id': 'trace-me-42' } });
    expectProblem(anonymous, 401, 'AUTH.UNAUTHENTICATED');
    expect(anonymous.headers.get('x-request-id')).toBe('trace-me-42');
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expectProblem(await call('GET', '/api/v1/recordings', { token: `${alice.token}x` }), 401, 'AUTH.UNAUTHENTICATED');
    expect(JSON.stringify(anonymous.body)).not.toContain('stack');

    expectProblem(await call('GET', '/api/v1/nothing-here'), 404, 'HTTP.NOT_FOUND');
    const malformed = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await malformed.json()).toMatchObject({ status: 400, code: 'REQUEST.MALFORMED' });
  });

  it('streams an upload into storage and asks ingest to register it, correlated by the request id', async () => {
    const reply = await call('POST', '/api/v1/recordings', {
      token: alice.token,
      form: form(mp4, 'Lecture 1.mp4', 'Graphs, part 1'),
      headers: { 'idempotency-key': 'upload-1', 'x-request-id': 'upload-request-7' },
    });
    expect(reply.status).toBe(202);
    expect(reply.headers.get('x-request-id')).toBe('upload-request-7');
    // One access line per request, with its ids, and never the query string.
    const line = await eventually(() => {
      const found = accessLog.entries().find((e) => e.requestId === 'upload-request-7');
      expect(found).toBeDefined();
      return found!;
    });
    expect(line).toMatchObject({ level: 'info', message: expect.stringMatching(/^POST \/api\/v1\/recordings 202 [\d.]+ms$/), userId: alice.id, http: { method: 'POST', path: '/api/v1/recordings', status: 202 } });
    expect(reply.body).toMatchObject({ title: 'Graphs, part 1', status: 'INITIALIZED', failed: false, sizeBytes: mp4.length, contentType: 'video/mp4' });
    uploadedId = reply.body.id;
    expect(reply.headers.get('location')).toBe(`/api/v1/recordings/${uploadedId}`);
    const key = storageKeys.source(alice.id, uploadedId, 'mp4');
    expect((await store.getBuffer(key)).equals(mp4)).toBe(true);
    expect(quota.asked).toEqual([{ userId: alice.id, idempotencyKey: 'upload-1' }]);

    const command = await eventually(() => {
      const found = commands.find((c) => c.type === 'ingest.recording.register-uploaded.v1');
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 15_000 });
    expect(command.tenant).toBe(alice.id);
    // The event the request caused carries its id, and so does everything that follows from it.
    expect(command.correlationId).toBe('upload-request-7');
    expect(command.data).toEqual({
      recordingId: uploadedId,
      userId: alice.id,
      originalFilename: 'Lecture 1.mp4',
      sourceKey: key,
      sizeBytes: String(mp4.length),
      contentType: 'video/mp4',
      title: 'Graphs, part 1',
      reservationId: 'res-1',
    });
  });

  it('refuses empty, mistyped and oversized files and leaves nothing behind', async () => {
    expectProblem(await call('POST', '/api/v1/recordings', { token: alice.token, form: form(Buffer.alloc(0), 'empty.mp4') }), 400, 'UPLOAD.EMPTY');
    const text = Buffer.from('This is a plain text file pretending to be a video.\n'.repeat(20));
    expectProblem(await call('POST', '/api/v1/recordings', { token: alice.token, form: form(text, 'fake.mp4') }), 415, 'UPLOAD.UNSUPPORTED_TYPE');
    expectProblem(await call('POST', '/api/v1/recordings', { token: alice.token, form: form(mp4, 'notes.txt') }), 415, 'UPLOAD.UNSUPPORTED_TYPE');
    const missing = await call('POST', '/api/v1/recordings', { token: alice.token, form: (() => { const f = new FormData(); f.append('title', 'x'); return f; })() });
    expectProblem(missing, 400, 'VALIDATION.FAILED');

    const askedBefore = quota.asked.length;
    const big = Buffer.concat([mp4, Buffer.alloc(64 * 1024)]);
    expectProblem(await call('POST', '/api/v1/recordings', { token: alice.token, form: form(big, 'long.mp4') }), 413, 'UPLOAD.TOO_LARGE');
    expect(quota.asked.length).toBe(askedBefore + 1);
    await eventually(() => expect(releases.map((r) => r.reservationId)).toEqual([`res-${askedBefore + 1}`]), { timeoutMs: 15_000 });

    const objects = await store.list(`users/${alice.id}/`);
    expect(objects.map((o) => o.key)).toEqual([storageKeys.source(alice.id, uploadedId, 'mp4')]);
    const list = await call('GET', '/api/v1/recordings', { token: alice.token });
    expect(list.body.total).toBe(1);
  });

  it('answers 429 with Retry-After when quota refuses, storing nothing', async () => {
    quota.grant = false;
    try {
      const reply = await call('POST', '/api/v1/recordings', { token: alice.token, form: form(mp4, 'again.mp4') });
      expectProblem(reply, 429, 'QUOTA.EXCEEDED');
      expect(reply.headers.get('retry-after')).toBe('3600');
      expect(reply.body).toMatchObject({ limit: 3, used: 3, period: '2026-01', metric: 'RECORDINGS', detail: 'Monthly recordings limit reached' });
    } finally {
      quota.grant = true;
    }
    expect((await store.list(`users/${alice.id}/`)).length).toBe(1);
  });

  it('follows the pipeline events in the read model: status, stages with timings, artifacts, downloads', async () => {
    const userId = alice.id;
    const recordingId = uploadedId;
    const prefix = storageKeys.recordingPrefix(userId, recordingId);
    await publish('ingest.recording.registered.v1', {
      recordingId, userId, sourceType: 'SOURCE_TYPE_UPLOAD', title: 'Graphs, part 1', originalFilename: 'Lecture 1.mp4',
      status: 'RECORDING_STATUS_INITIALIZED', reservationId: 'res-1', registeredAt: '2026-01-10T10:00:00.000Z',
    });
    await publish('ingest.stage.status-changed.v1', {
      recordingId, userId, stage: 'PIPELINE_STAGE_TRIM', status: 'STAGE_STATUS_IN_PROGRESS', attempt: 1, startedAt: '2026-01-10T10:00:05.000Z',
    });
    await publish('ingest.recording.status-changed.v1', {
      recordingId, userId, status: 'RECORDING_STATUS_PROCESSED', previousStatus: 'RECORDING_STATUS_PROCESSING', changedAt: '2026-01-10T10:05:00.000Z',
    });
    // An older status arriving late must not win.
    await publish('ingest.recording.status-changed.v1', {
      recordingId, userId, status: 'RECORDING_STATUS_PROCESSING', changedAt: '2026-01-10T10:00:05.000Z',
    });
    await publish('ingest.stage.status-changed.v1', {
      recordingId, userId, stage: 'PIPELINE_STAGE_TRIM', status: 'STAGE_STATUS_COMPLETED', attempt: 1,
      startedAt: '2026-01-10T10:00:05.000Z', finishedAt: '2026-01-10T10:01:35.000Z',
    });
    await publish('ingest.stage.status-changed.v1', {
      recordingId, userId, stage: 'PIPELINE_STAGE_TRANSCRIBE', status: 'STAGE_STATUS_FAILED', attempt: 2,
      startedAt: '2026-01-10T10:02:00.000Z', finishedAt: '2026-01-10T10:02:30.500Z',
      error: { code: 'TRANSCRIPTION.PROVIDER_TIMEOUT', message: 'no answer', retryable: true },
    });

    const srt = '1\n00:00:00,000 --> 00:00:02,000\nGood morning.\n';
    const vtt = 'WEBVTT\n\n00:00.000 --> 00:02.000\nGood morning.\n';
    const master = JSON.stringify({ language: 'en', segments: [{ start: 0, end: 2, text: 'Good morning.' }, { start: 61.5, end: 63, text: 'Graphs today.' }] });
    const put = async (name: string, content: string, kind: string, contentType: string) => {
      const stored = await store.put(`${prefix}${name}`, content);
      return { key: stored.key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind };
    };
    await publish('transcription.recording.transcribed.v1', { recordingId, userId, master: await put('transcription/master.json', master, 'OBJECT_KIND_TRANSCRIPT', 'application/json') });
    await publish('transcription.subtitles.generated.v1', {
      recordingId, userId,
      srt: await put('transcription/subtitles.srt', srt, 'OBJECT_KIND_SUBTITLES_SRT', 'application/x-subrip'),
      vtt: await put('transcription/subtitles.vtt', vtt, 'OBJECT_KIND_SUBTITLES_VTT', 'text/vtt'),
    });

    const detail = await eventually(async () => {
      const reply = await call('GET', `/api/v1/recordings/${recordingId}`, { token: alice.token });
      expect(reply.status).toBe(200);
      expect(reply.body.stages).toHaveLength(2);
      expect(reply.body.stages[0].status).toBe('COMPLETED');
      expect(reply.body.artifacts.map((a: { name: string }) => a.name).sort()).toEqual(['source', 'subtitlesSrt', 'subtitlesVtt', 'transcript']);
      expect(reply.body.status).toBe('PROCESSED');
      return reply.body;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(detail).toMatchObject({ id: recordingId, title: 'Graphs, part 1', originalFilename: 'Lecture 1.mp4', sourceType: 'UPLOAD', failed: false });
    expect(detail.stages).toEqual([
      {
        stage: 'TRIM', status: 'COMPLETED', attempt: 1, startedAt: '2026-01-10T10:00:05.000Z', finishedAt: '2026-01-10T10:01:35.000Z', durationMs: 90_000, error: null,
        progress: 100, step: null,
      },
      {
        stage: 'TRANSCRIBE', status: 'FAILED', attempt: 2, startedAt: '2026-01-10T10:02:00.000Z', finishedAt: '2026-01-10T10:02:30.500Z', durationMs: 30_500,
        error: { code: 'TRANSCRIPTION.PROVIDER_TIMEOUT', message: 'The transcription service did not answer in time.', retryable: true }, progress: null, step: null,
      },
    ]);
    expect(detail.links['subtitles.srt']).toBe(`/api/v1/recordings/${recordingId}/subtitles.srt`);

    const srtReply = await call('GET', `/api/v1/recordings/${recordingId}/subtitles.srt`, { token: alice.token });
    expect(srtReply.status).toBe(200);
    expect(srtReply.headers.get('content-type')).toMatch(/^application\/x-subrip/);
    expect(srtReply.text).toBe(srt);
    const vttReply = await call('GET', `/api/v1/recordings/${recordingId}/subtitles.vtt`, { token: alice.token });
    expect(vttReply.headers.get('content-type')).toMatch(/^text\/vtt/);
    expect(vttReply.text).toBe(vtt);
    const json = await call('GET', `/api/v1/recordings/${recordingId}/transcript.json`, { token: alice.token });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    expect(json.body.segments).toHaveLength(2);
    const txt = await call('GET', `/api/v1/recordings/${recordingId}/transcript.txt`, { token: alice.token });
    expect(txt.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(txt.text).toBe('[00:00:00] Good morning.\n[00:01:01] Graphs today.\n');

    // A status change for a recording the gateway has not seen creates its row; it has no artifacts yet.
    const imported = '01940000-0000-7000-8000-000000000001';
    await publish('ingest.recording.status-changed.v1', {
      recordingId: imported, userId, status: 'RECORDING_STATUS_DOWNLOADING', changedAt: '2026-01-11T08:00:00.000Z',
    });
    await eventually(async () => {
      const reply = await call('GET', `/api/v1/recordings/${imported}`, { token: alice.token });
      expect(reply.body.status).toBe('DOWNLOADING');
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expectProblem(await call('GET', `/api/v1/recordings/${imported}/subtitles.srt`, { token: alice.token }), 404, 'ARTIFACT.NOT_READY');

    const list = await call('GET', '/api/v1/recordings?page=1&pageSize=1', { token: alice.token });
    expect(list.body).toMatchObject({ page: 1, pageSize: 1, total: 2 });
    expect(list.body.items).toHaveLength(1);
    const processed = await call('GET', '/api/v1/recordings?status=PROCESSED', { token: alice.token });
    expect(processed.body.items.map((r: { id: string }) => r.id)).toEqual([recordingId]);
    expectProblem(await call('GET', '/api/v1/recordings?status=BOGUS&pageSize=500', { token: alice.token }), 400, 'VALIDATION.FAILED');
  });

  it("hides one user's recordings from another, and deletes through ingest", async () => {
    const bob = await signUp('bob@example.org');
    const foreign = `/api/v1/recordings/${uploadedId}`;
    expectProblem(await call('GET', foreign, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('GET', `${foreign}/subtitles.srt`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('GET', `${foreign}/transcript.txt`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('DELETE', foreign, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expect((await call('GET', '/api/v1/recordings', { token: bob.token })).body).toEqual({ items: [], page: 1, pageSize: 20, total: 0, totalPages: 0 });

    const deleting = await call('DELETE', foreign, { token: alice.token });
    expect(deleting.status).toBe(202);
    expect(deleting.body).toMatchObject({ id: uploadedId, status: 'DELETING' });
    await eventually(() => expect(commands.filter((c) => c.type === 'ingest.recording.delete.v1').map((c) => c.data)).toEqual([{ recordingId: uploadedId, userId: alice.id }]), {
      timeoutMs: 15_000,
    });

    // Soft-deleted: out of the list, its files out of reach, still shown (restorable) to its owner only.
    const deletedAt = new Date();
    const restorableUntil = new Date(deletedAt.getTime() + 3 * 86_400_000).toISOString();
    const hardDeleteAt = new Date(deletedAt.getTime() + 33 * 86_400_000).toISOString();
    await publish('ingest.recording.deleted.v1', {
      recordingId: uploadedId, userId: alice.id, deletedAt: deletedAt.toISOString(), reason: 'DELETION_REASON_MANUAL', restorableUntil, hardDeleteAt,
    });
    await eventually(async () => expect((await call('GET', foreign, { token: alice.token })).body.deletion?.state).toBe('DELETED'), { timeoutMs: 20_000, intervalMs: 200 });
    // A recording its owner deleted keeps its pipeline status, so a restore gives it back as it was.
    expect((await call('GET', foreign, { token: alice.token })).body).toMatchObject({
      status: 'PROCESSED',
      deletion: { state: 'DELETED', reason: 'MANUAL', restorable: true, restorableUntil, hardDeleteAt },
      links: { self: foreign },
    });
    expect((await call('GET', '/api/v1/recordings', { token: alice.token })).body.items.map((r: { id: string }) => r.id)).not.toContain(uploadedId);
    expect((await call('GET', '/api/v1/recordings?deleted=true', { token: alice.token })).body.items.map((r: { id: string }) => r.id)).toEqual([uploadedId]);
    expectProblem(await call('GET', `${foreign}/transcript.txt`, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('DELETE', foreign, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('GET', foreign, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');

    // A late deletion never undoes a restore; the purge and the hard delete follow.
    const restoredAt = new Date(deletedAt.getTime() + 1000).toISOString();
    await publish('ingest.recording.restored.v1', { recordingId: uploadedId, userId: alice.id, restoredAt, expireAt: hardDeleteAt, paused: false });
    await eventually(async () => expect((await call('GET', foreign, { token: alice.token })).body.deletion).toBeNull(), { timeoutMs: 20_000, intervalMs: 200 });
    await publish('ingest.recording.deleted.v1', { recordingId: uploadedId, userId: alice.id, deletedAt: deletedAt.toISOString() });
    await publish('ingest.recording.purged.v1', { recordingId: uploadedId, userId: alice.id, purgedAt: new Date(deletedAt.getTime() + 2000).toISOString(), hardDeleteAt });
    await eventually(async () => expect((await call('GET', foreign, { token: alice.token })).body.deletion).toMatchObject({ state: 'PURGED', restorable: false }), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    await publish('ingest.recording.hard-deleted.v1', { recordingId: uploadedId, userId: alice.id, hardDeletedAt: new Date().toISOString() });
    await eventually(async () => expectProblem(await call('GET', foreign, { token: alice.token }), 404, 'RECORDING.NOT_FOUND'), { timeoutMs: 20_000, intervalMs: 200 });
  });
});
