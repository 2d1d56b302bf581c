import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { eventually } from '@leap/testing';
import type { ReleaseReservation, ReservationDecision, ReserveRecording } from '@leap/contracts';
import {
  expectProblem,
  gatewayTestEnv,
  httpClient,
  ingestStandIn,
  quotaStandIn,
  startGateway,
  tusCreate,
  tusHeaders,
  tusPatch,
  tusRequest,
  verifiedUser,
  type Account,
  type RunningGateway,
  type TusReply,
} from '../testing';
import { ResumableUploadsSweep } from './resumable-uploads.sweep';

const commands: { type: string; data: any; tenant?: string }[] = [];
const releases: ReleaseReservation[] = [];
const quota = { grant: true, asked: [] as ReserveRecording[] };

const fakeQuota = quotaStandIn({
  reserve(ask): ReservationDecision {
    quota.asked.push(ask);
    if (quota.grant) return { granted: true, reservationId: `res-${quota.asked.length}`, limit: '10', used: '0', period: '2026-01' };
    return { granted: false, limit: '3', used: '3', period: '2026-01', retryAfterSeconds: 3600, reason: 'Monthly recordings limit reached', metric: 'QUOTA_METRIC_RECORDINGS' };
  },
  release: (release) => releases.push(release),
});

const MAX_BYTES = 256 * 1024;

/** A tus problem: the status, the problem content type and the code. */
function expectTusProblem(reply: TusReply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body.requestId).toBe(reply.headers.get('x-request-id'));
}

/** A problem answering HEAD: the status and the problem content type (a HEAD answer has no body). */
function expectHeadProblem(reply: TusReply, status: number): void {
  expect({ status: reply.status, type: reply.headers.get('content-type')?.split(';')[0], body: reply.body }).toEqual({ status, type: 'application/problem+json', body: undefined });
}

describe('resumable uploads (tus) at /api/v1/uploads', () => {
  let world: ServiceWorld;
  let gateway: RunningGateway;
  let uploadsDir: string;
  let store: LocalObjectStore;
  let mp4: Buffer;
  let alice: Account;
  let bob: Account;
  const client = httpClient(() => gateway.base);
  const base = () => gateway.base;

  const filesLeft = async () => (await readdir(uploadsDir)).sort();
  const rowsOf = async (userId: string) => (await gateway.db.query(`SELECT id, state FROM resumable_uploads WHERE user_id = $1`, [userId])) as { id: string; state: string }[];

  beforeAll(async () => {
    world = await createServiceWorld('gateway_tus', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', UPLOAD_MAX_BYTES: String(MAX_BYTES), UPLOAD_RESUMABLE_SWEEP_INTERVAL: '0s' }));
    const fixtures = await world.tempDir('tus-fixtures');
    const source = join(fixtures, 'lecture.mp4');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=d=2:s=160x120', '-f', 'lavfi', '-i', 'sine=d=2', '-shortest', '-y', source]);
    mp4 = await readFile(source);
    expect(mp4.length).toBeLessThan(MAX_BYTES);
    uploadsDir = await world.tempDir('tus-uploads');
    store = new LocalObjectStore(world.storageRoot);
    await world.start(fakeQuota);
    await world.start(ingestStandIn((ctx) => commands.push({ type: ctx.envelope.type, data: ctx.data, tenant: ctx.envelope.tenant })));
    gateway = await startGateway(world, { env: { UPLOAD_RESUMABLE_DIR: uploadsDir } });
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(() => world?.close());

  it('announces tus 1.0 with creation, termination and expiration', async () => {
    const reply = await tusRequest(base(), 'OPTIONS', '/api/v1/uploads', {});
    expect(reply.status).toBe(204);
    expect(reply.headers.get('tus-version')).toBe('1.0.0');
    expect(reply.headers.get('tus-extension')!.split(',')).toEqual(expect.arrayContaining(['creation', 'termination', 'expiration']));
    expect(reply.headers.get('tus-max-size')).toBe(String(MAX_BYTES));
  });

  it('takes a file in pieces, resumes from the offset HEAD gives, and turns it into a recording like a direct upload', async () => {
    const created = await tusCreate(base(), alice.token, mp4.length, { filename: 'Lecture 3.mp4', filetype: 'video/mp4', title: 'Graphs, part 3' });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    expect(location).toMatch(/^\/api\/v1\/uploads\/[0-9a-f-]{36}$/);
    expect(created.headers.get('tus-resumable')).toBe('1.0.0');
    expect(Date.parse(created.headers.get('upload-expires')!)).toBeGreaterThan(Date.now());
    expect(quota.asked.at(-1)).toEqual({ userId: alice.id, idempotencyKey: `tus:${location.split('/').pop()}` });

    const first = await tusPatch(base(), alice.token, location, 0, mp4.subarray(0, 1000));
    expect(first.status).toBe(204);
    expect(first.headers.get('upload-offset')).toBe('1000');

    const head = await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token));
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('1000');
    expect(head.headers.get('upload-length')).toBe(String(mp4.length));
    expect(head.headers.get('cache-control')).toBe('no-store');

    expectTusProblem(await tusPatch(base(), alice.token, location, 500, mp4.subarray(500)), 409, 'UPLOAD.OFFSET_MISMATCH');

    const last = await tusPatch(base(), alice.token, location, 1000, mp4.subarray(1000));
    expect(last.status).toBe(204);
    expect(last.headers.get('upload-offset')).toBe(String(mp4.length));
    const recordingId = last.headers.get('leap-recording-id')!;
    expect(recordingId).toMatch(/^[0-9a-f-]{36}$/);

    const key = storageKeys.source(alice.id, recordingId, 'mp4');
    expect((await store.getBuffer(key)).equals(mp4)).toBe(true);
    const recording = await client.call('GET', `/api/v1/recordings/${recordingId}`, { token: alice.token });
    expect(recording.body).toMatchObject({ id: recordingId, title: 'Graphs, part 3', status: 'INITIALIZED', sizeBytes: mp4.length, contentType: 'video/mp4' });
    const command = await eventually(() => {
      const found = commands.find((c) => c.type === 'ingest.recording.register-uploaded.v1' && c.data.recordingId === recordingId);
      expect(found).toBeDefined();
      return found!;
    }, { timeoutMs: 15_000 });
    expect(command.tenant).toBe(alice.id);
    expect(command.data).toEqual({
      recordingId,
      userId: alice.id,
      originalFilename: 'Lecture 3.mp4',
      sourceKey: key,
      sizeBytes: String(mp4.length),
      contentType: 'video/mp4',
      title: 'Graphs, part 3',
      reservationId: `res-${quota.asked.length}`,
    });
    // Nothing is left in the upload folder; the finished upload still answers HEAD with its recording.
    expect(await filesLeft()).toEqual([]);
    const done = await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token));
    expect({ status: done.status, offset: done.headers.get('upload-offset'), recording: done.headers.get('leap-recording-id') }).toEqual({
      status: 200,
      offset: String(mp4.length),
      recording: recordingId,
    });
    expectTusProblem(await tusPatch(base(), alice.token, location, mp4.length, Buffer.alloc(0)), 409, 'UPLOAD.ALREADY_COMPLETE');
    expectTusProblem(await tusRequest(base(), 'DELETE', location, tusHeaders(alice.token)), 409, 'UPLOAD.ALREADY_COMPLETE');
  });

  it('refuses at creation what a direct upload refuses (auth, scope, feature, size, type, quota), reserving nothing and keeping nothing', async () => {
    const asked = quota.asked.length;
    const before = await rowsOf(alice.id);
    expectTusProblem(await tusCreate(base(), undefined, 1000, { filename: 'a.mp4' }), 401, 'AUTH.UNAUTHENTICATED');
    expectTusProblem(await tusCreate(base(), alice.token, MAX_BYTES + 1, { filename: 'big.mp4' }), 413, 'UPLOAD.TOO_LARGE');
    expectTusProblem(await tusCreate(base(), alice.token, 0, { filename: 'empty.mp4' }), 400, 'UPLOAD.EMPTY');
    expectTusProblem(await tusCreate(base(), alice.token, 1000, { filename: 'notes.txt' }), 415, 'UPLOAD.UNSUPPORTED_TYPE');
    expectTusProblem(await tusCreate(base(), alice.token, 1000, { filename: 'slides.mp4', filetype: 'application/pdf' }), 415, 'UPLOAD.UNSUPPORTED_TYPE');
    expectTusProblem(await tusCreate(base(), alice.token, 1000, { filetype: 'video/mp4' }), 400, 'VALIDATION.FAILED');
    expectTusProblem(await tusCreate(base(), alice.token, 'many', { filename: 'a.mp4' }), 400, 'VALIDATION.FAILED');
    expectTusProblem(await tusCreate(base(), alice.token, 1000, { filename: 'a.mp4' }, { 'upload-metadata': 'filename !!!,filename eA==' }), 400, 'VALIDATION.FAILED');
    const deferred = await tusRequest(base(), 'POST', '/api/v1/uploads', tusHeaders(alice.token, { 'upload-defer-length': '1', 'upload-metadata': 'filename YS5tcDQ=' }));
    expectTusProblem(deferred, 400, 'VALIDATION.FAILED');
    const noVersion = await fetch(`${base()}/api/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${alice.token}`, 'upload-length': '1000', 'upload-metadata': 'filename YS5tcDQ=' } });
    expectTusProblem({ status: noVersion.status, headers: noVersion.headers, body: await noVersion.json() }, 412, 'UPLOAD.TUS_VERSION_UNSUPPORTED');
    expect(quota.asked.length).toBe(asked);

    // An API key without `write`, and an account whose upload feature is off.
    const readOnly = await client.call('POST', '/api/v1/api-keys', { token: alice.token, json: { name: 'read only', scopes: ['read'] } });
    expectTusProblem(await tusCreate(base(), readOnly.body.key, 1000, { filename: 'a.mp4' }), 403, 'AUTH.INSUFFICIENT_SCOPE');
    const writer = await client.call('POST', '/api/v1/api-keys', { token: alice.token, json: { name: 'uploads', scopes: ['write'] } });
    const byKey = await tusCreate(base(), writer.body.key, mp4.length, { filename: 'by-key.mp4' });
    expect(byKey.status).toBe(201);
    expect((await tusRequest(base(), 'DELETE', byKey.headers.get('location')!, tusHeaders(writer.body.key))).status).toBe(204);

    // An account whose upload feature an administrator turned off.
    const carol = await verifiedUser(client, gateway.db, 'carol@example.org');
    await gateway.db.query(`UPDATE users SET can_upload = false WHERE id = $1`, [carol.id]);
    expectTusProblem(await tusCreate(base(), carol.token, 1000, { filename: 'a.mp4' }), 403, 'FEATURE.DISABLED');

    quota.grant = false;
    try {
      const refused = await tusCreate(base(), alice.token, 1000, { filename: 'again.mp4' });
      expectTusProblem(refused, 429, 'QUOTA.EXCEEDED');
      expect(refused.headers.get('retry-after')).toBe('3600');
    } finally {
      quota.grant = true;
    }
    expect(await rowsOf(alice.id)).toEqual(before);
    expect(await filesLeft()).toEqual([]);
  });

  it('takes the browser session too: the access cookie with its CSRF token, and never without the token', async () => {
    const login = await client.call('POST', '/api/v1/auth/login', { json: { email: 'alice@example.org', password: 'Correct horse 1', mode: 'cookie' } });
    const access = /access_token=([^;]+)/.exec(login.setCookies.access_token!)![1]!;
    const csrf = login.body.csrfToken as string;
    const cookie = `access_token=${access}; csrf_token=${csrf}`;
    const create = (extra: Record<string, string>) => tusCreate(base(), undefined, mp4.length, { filename: 'browser.mp4' }, { cookie, ...extra });
    expectTusProblem(await create({}), 403, 'AUTH.CSRF_FAILED');
    const created = await create({ 'x-csrf-token': csrf });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const withCookie = (extra: Record<string, string> = {}) => tusHeaders(undefined, { cookie, ...extra });
    expectTusProblem(await tusRequest(base(), 'PATCH', location, withCookie({ 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }), mp4), 403, 'AUTH.CSRF_FAILED');
    const sent = await tusRequest(base(), 'PATCH', location, withCookie({ 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'x-csrf-token': csrf }), mp4);
    expect(sent.status).toBe(204);
    expect(sent.headers.get('leap-recording-id')).toMatch(/^[0-9a-f-]{36}$/);
    // HEAD is safe: the cookie alone reads where an upload stands.
    expect((await tusRequest(base(), 'HEAD', location, withCookie())).status).toBe(200);
  });

  it('checks the finished file: one that is not the media its name promises is removed and its quota given back', async () => {
    const text = Buffer.from('Not a video at all, just text pretending to be one.\n'.repeat(40));
    const created = await tusCreate(base(), alice.token, text.length, { filename: 'fake.mp4' });
    expect(created.status).toBe(201);
    const reservation = `res-${quota.asked.length}`;
    const location = created.headers.get('location')!;
    expectTusProblem(await tusPatch(base(), alice.token, location, 0, text), 415, 'UPLOAD.UNSUPPORTED_TYPE');
    await eventually(() => expect(releases.map((r) => r.reservationId)).toContain(reservation), { timeoutMs: 15_000 });
    expectHeadProblem(await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token)), 404);
    expect(await filesLeft()).toEqual([]);
    expect((await store.list(`users/${alice.id}/`)).map((o) => o.key).filter((k) => k.includes('fake'))).toEqual([]);
  });

  it("answers 404 to another tenant's HEAD, PATCH and DELETE, and leaves the upload alone", async () => {
    const created = await tusCreate(base(), alice.token, mp4.length, { filename: 'private.mp4' });
    const location = created.headers.get('location')!;
    expect((await tusPatch(base(), alice.token, location, 0, mp4.subarray(0, 100))).status).toBe(204);
    const bobKey = await client.call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'bob', scopes: ['read', 'write'] } });
    for (const token of [bob.token, bobKey.body.key as string]) {
      const head = await tusRequest(base(), 'HEAD', location, tusHeaders(token));
      expect({ status: head.status, type: head.headers.get('content-type')?.split(';')[0], offset: head.headers.get('upload-offset') }).toEqual({
        status: 404,
        type: 'application/problem+json',
        offset: null,
      });
      expectTusProblem(await tusPatch(base(), token, location, 100, mp4.subarray(100, 200)), 404, 'UPLOAD.NOT_FOUND');
      expectTusProblem(await tusRequest(base(), 'DELETE', location, tusHeaders(token)), 404, 'UPLOAD.NOT_FOUND');
    }
    const still = await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token));
    expect({ status: still.status, offset: still.headers.get('upload-offset') }).toEqual({ status: 200, offset: '100' });
    // Termination by its owner: nothing of it is left, and its quota is given back.
    const reservation = (await gateway.db.query(`SELECT reservation_id FROM resumable_uploads WHERE id = $1`, [location.split('/').pop()]))[0].reservation_id;
    expect((await tusRequest(base(), 'DELETE', location, tusHeaders(alice.token))).status).toBe(204);
    expectHeadProblem(await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token)), 404);
    await eventually(() => expect(releases.map((r) => r.reservationId)).toContain(reservation), { timeoutMs: 15_000 });
    expect(await filesLeft()).toEqual([]);
  });

  it('answers 410 past the expiry, and the sweep removes the abandoned upload with its bytes and quota', async () => {
    const created = await tusCreate(base(), alice.token, mp4.length, { filename: 'abandoned.mp4' });
    const location = created.headers.get('location')!;
    const id = location.split('/').pop()!;
    expect((await tusPatch(base(), alice.token, location, 0, mp4.subarray(0, 2000))).status).toBe(204);
    expect(await filesLeft()).toEqual([id]);
    const reservation = (await gateway.db.query(`SELECT reservation_id FROM resumable_uploads WHERE id = $1`, [id]))[0].reservation_id;
    // The expiry comes: its date is moved to the past, as time would.
    await gateway.db.query(`UPDATE resumable_uploads SET created_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE id = $1`, [id]);
    expectTusProblem(await tusPatch(base(), alice.token, location, 2000, mp4.subarray(2000)), 410, 'UPLOAD.EXPIRED');

    const outcome = await gateway.app.get(ResumableUploadsSweep).sweep();
    expect(outcome.expired).toBe(1);
    expect(await filesLeft()).toEqual([]);
    expect(await gateway.db.query(`SELECT id FROM resumable_uploads WHERE id = $1`, [id])).toEqual([]);
    expectHeadProblem(await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token)), 404);
    await eventually(() => expect(releases.map((r) => r.reservationId)).toContain(reservation), { timeoutMs: 15_000 });
  });

  it('finishes, on the next HEAD or sweep, an upload whose last bytes arrived just before the gateway stopped', async () => {
    const created = await tusCreate(base(), alice.token, mp4.length, { filename: 'interrupted.mp4' });
    const id = created.headers.get('location')!.split('/').pop()!;
    // Every byte is on disk but the recording was never registered (the process died in between).
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(uploadsDir, id), mp4);
    const outcome = await gateway.app.get(ResumableUploadsSweep).sweep();
    expect(outcome.finished).toBe(1);
    const head = await tusRequest(base(), 'HEAD', `/api/v1/uploads/${id}`, tusHeaders(alice.token));
    const recordingId = head.headers.get('leap-recording-id')!;
    expect({ status: head.status, offset: head.headers.get('upload-offset') }).toEqual({ status: 200, offset: String(mp4.length) });
    expect((await store.getBuffer(storageKeys.source(alice.id, recordingId, 'mp4'))).equals(mp4)).toBe(true);
    await eventually(() => expect(commands.filter((c) => c.data.recordingId === recordingId)).toHaveLength(1), { timeoutMs: 15_000 });
    expect(await filesLeft()).toEqual([]);
  });

  it('keeps the problem format for requests that are not tus at all', async () => {
    const created = await tusCreate(base(), alice.token, mp4.length, { filename: 'format.mp4' });
    const location = created.headers.get('location')!;
    const json = await client.call('PATCH', location, { token: alice.token, json: {}, headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0' } });
    expectProblem(json, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
    const noOffset = await tusRequest(base(), 'PATCH', location, tusHeaders(alice.token, { 'content-type': 'application/offset+octet-stream' }), Buffer.from('x'));
    expectTusProblem(noOffset, 400, 'VALIDATION.FAILED');
    expectHeadProblem(await tusRequest(base(), 'HEAD', '/api/v1/uploads/not-an-id', tusHeaders(alice.token)), 404);
    // X-HTTP-Method-Override does not turn a HEAD into a termination: the route's own method is served.
    const overridden = await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token, { 'x-http-method-override': 'DELETE' }));
    expect(overridden.status).toBe(200);
    expect((await tusRequest(base(), 'HEAD', location, tusHeaders(alice.token))).status).toBe(200);
    expect((await tusRequest(base(), 'DELETE', location, tusHeaders(alice.token))).status).toBe(204);
  });
});
