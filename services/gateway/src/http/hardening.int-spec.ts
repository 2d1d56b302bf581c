/**
 * The public API under hostile input: each block reproduces one way the gateway used to fail
 * (a 500, a file left behind, a header missing, a check that could be fooled) and shows what a
 * client sees now.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { createMemoryTransport } from '@leap/logging';
import { MessageBus, type UntypedMessages } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { LocalObjectStore } from '@leap/storage-client';
import { eventually, freePort, startMailCatcher, type MailCatcher } from '@leap/testing';
import type { ReleaseReservation } from '@leap/contracts';
import {
  expectProblem,
  expectRawProblem,
  gatewayTestEnv,
  httpClient,
  ingestStandIn,
  quotaStandIn,
  rawExchange,
  startGateway,
  uploadForm,
  verifiedUser,
  type Account,
} from '../testing';

const releases: ReleaseReservation[] = [];
let reservations = 0;
const fakeQuota = quotaStandIn({
  reserve: () => ({ granted: true, reservationId: `res-${++reservations}`, limit: '100', used: '0', period: '2026-01' }),
  release: (release) => releases.push(release),
});
const ingestProbe = ingestStandIn(() => undefined);

/** Every file under `root` (partial uploads included), as paths relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1));
}

describe('the gateway under hostile input', () => {
  let world: ServiceWorld;
  let base: string;
  let port: number;
  let db: DataSource;
  let mail: MailCatcher;
  let mp4: Buffer;
  /** Publishes raw fixtures, as another service would: checked against proto/ at run time only. */
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  const accessLog = createMemoryTransport();
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;

  beforeAll(async () => {
    port = await freePort();
    mail = await startMailCatcher();
    world = await createServiceWorld('gateway_hardening', gatewayTestEnv({ SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, MAIL_RESEND_COOLDOWN: '0s' }));
    // The gateway only sniffs the container (an ISO-BMFF `ftyp` box); nothing here plays the file.
    mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1'), Buffer.alloc(4096, 1)]);
    await world.start(fakeQuota);
    const ingest = await world.start(ingestProbe);
    ingestBus = ingest.app.get(MessageBus);
    ingestDb = ingest.app.get(DataSource);
    // One trusted proxy, so that X-Forwarded-Proto can say the client came over HTTPS.
    const gateway = await startGateway(world, { port, env: { TRUST_PROXY_HOPS: '1' } });
    base = gateway.base;
    db = gateway.db;
    const logger = gateway.app.get<Logger>(SERVICE_LOGGER);
    for (const transport of logger.transports) transport.level ??= logger.level;
    logger.level = 'info';
    logger.add(accessLog.transport);
    alice = await verifiedUser(client, db, 'alice@example.org');
    bob = await verifiedUser(client, db, 'bob@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await mail?.close();
  });

  describe('aborted uploads leave nothing behind', () => {
    const boundary = 'leap-boundary-7';
    const partHead = (filename: string) =>
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: video/mp4\r\n\r\n`);
    const uploadHead = (requestId: string, lengthHeader: string) =>
      [
        'POST /api/v1/recordings HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        `Authorization: Bearer ${alice.token}`,
        `Content-Type: multipart/form-data; boundary=${boundary}`,
        `X-Request-ID: ${requestId}`,
        lengthHeader,
      ].join('\r\n');
    const released = () => releases.filter((r) => r.userId === alice.id).length;

    it.each([
      ['declares a gigabyte and closes after 30 KB', 'abort-declared', 'Content-Length: 1000000000'],
      ['streams chunked and disconnects mid-file', 'abort-chunked', 'Transfer-Encoding: chunked'],
    ])('an upload that %s: no partial file, the reservation is given back, the access log says so', async (_, requestId, lengthHeader) => {
      const before = released();
      const chunked = lengthHeader.startsWith('Transfer-Encoding');
      const bytes = Buffer.concat([partHead('big.mp4'), mp4, Buffer.alloc(30_000, 7)]);
      const body = chunked ? [Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')] : [bytes];
      await rawExchange(base, uploadHead(requestId, lengthHeader), body, { closeAfterBody: true });

      const line = await eventually(() => {
        const found = accessLog.entries().find((e) => e.requestId === requestId);
        expect(found).toBeDefined();
        return found!;
      });
      expect(line).toMatchObject({ level: 'warn', userId: alice.id, http: { method: 'POST', path: '/api/v1/recordings', status: 499 } });
      expect(line.message).toMatch(/^POST \/api\/v1\/recordings closed by the client after [\d.]+ms$/);
      await eventually(() => expect(released()).toBe(before + 1));
      expect(filesUnder(world.storageRoot)).toEqual([]);
      expect((await call('GET', '/api/v1/recordings', { token: alice.token })).body.total).toBe(0);
    });

    it('a JSON request that declares a huge body and sends a short one is answered at once with 413', async () => {
      const reply = await rawExchange(
        base,
        ['POST /api/v1/auth/login HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Content-Type: application/json', 'Content-Length: 1000000000'].join('\r\n'),
        [Buffer.from('{"email":"alice@example.org","password":"')],
      );
      expectRawProblem(reply, 413, 'REQUEST.TOO_LARGE');
      expect(reply!.headers.connection).toBe('close');
    });
  });

  describe('JSON routes take JSON only', () => {
    const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

    it('a cross-site form cannot sign a browser in, register, or change a profile (415, no cookie)', async () => {
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { ...formHeaders, origin: 'https://evil.example' },
        body: form({ email: 'alice@example.org', password: 'Correct horse 1', mode: 'cookie' }),
      });
      const reply = { status: login.status, headers: login.headers, body: await login.json(), text: '', setCookies: {} };
      expectProblem(reply, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
      expect(login.headers.getSetCookie()).toEqual([]);

      for (const type of ['text/plain', 'multipart/form-data; boundary=x']) {
        const other = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': type }, body: '{"email":"alice@example.org","password":"Correct horse 1"}' });
        expect({ type, status: other.status, code: ((await other.json()) as { code: string }).code }).toEqual({ type, status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
      }

      const registerForm = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers: formHeaders, body: form({ email: 'mallory@example.org', password: 'Correct horse 1' }) });
      expect(registerForm.status).toBe(415);
      expect(await db.query(`SELECT 1 FROM users WHERE email = 'mallory@example.org'`)).toEqual([]);

      const patch = await fetch(`${base}/api/v1/users/me`, { method: 'PATCH', headers: { ...formHeaders, authorization: `Bearer ${alice.token}` }, body: form({ fullName: 'Mallory' }) });
      expect(patch.status).toBe(415);
      expect((await call('GET', '/api/v1/users/me', { token: alice.token })).body.fullName).toBeNull();

      // JSON, with or without a charset, still works.
      const json = await call('PATCH', '/api/v1/users/me', { token: alice.token, json: { fullName: 'Alice' }, headers: { 'content-type': 'application/json; charset=UTF-8' } });
      expect(json.body.fullName).toBe('Alice');
    });
  });

  describe('bad input is a 4xx problem, never a 500', () => {
    it('NUL characters in bodies and path parameters are a 400 naming the field', async () => {
      const nul = 'x\u0000y';
      const register = await call('POST', '/api/v1/auth/register', { json: { email: 'carol@example.org', password: 'Correct horse 1', fullName: nul } });
      expectProblem(register, 400, 'VALIDATION.FAILED');
      expect(register.body.errors).toEqual([{ field: 'fullName', message: 'must not contain NUL characters' }]);
      expectProblem(await call('POST', '/api/v1/auth/login', { json: { email: `alice${nul}@example.org`, password: 'x' } }), 400, 'VALIDATION.FAILED');
      expectProblem(await call('POST', '/api/v1/api-keys', { token: alice.token, json: { name: nul, scopes: ['read'] } }), 400, 'VALIDATION.FAILED');
      expectProblem(await call('POST', '/api/v1/auth/register', { json: { [`e${nul}`]: 1 } }), 400, 'VALIDATION.FAILED');
      const path = await call('GET', '/api/v1/recordings/x%00', { token: alice.token });
      expectProblem(path, 400, 'VALIDATION.FAILED');
      expect(path.body.errors).toEqual([{ field: 'path.id', message: 'must not contain NUL characters' }]);
      expectProblem(await call('GET', '/api/v1/recordings?status=READY%00', { token: alice.token }), 400, 'VALIDATION.FAILED');
      expectProblem(await call('GET', '/api/v1/recordings/%E0%A4%A', { token: alice.token }), 400, 'REQUEST.MALFORMED');
    });

    it('page numbers past any list are a 400', async () => {
      for (const page of ['99999999999999999999', '1e308', '1000001']) {
        const reply = await call('GET', `/api/v1/recordings?page=${page}`, { token: alice.token });
        expectProblem(reply, 400, 'VALIDATION.FAILED');
        expect(reply.body.errors).toEqual([{ field: 'page', message: 'must be at most 1000000' }]);
      }
      expect((await call('GET', '/api/v1/recordings?page=1000000', { token: alice.token })).status).toBe(200);
    });

    it('bodies over the limit are a 413, also for anonymous callers, whether declared, chunked or inflated', async () => {
      const big = (bytes: number) => JSON.stringify({ email: 'a'.repeat(bytes), password: 'x' });
      expectProblem(await call('POST', '/api/v1/auth/login', { json: JSON.parse(big(200 * 1024)) }), 413, 'REQUEST.TOO_LARGE');
      const huge = await rawExchange(
        base,
        ['POST /api/v1/auth/register HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Content-Type: application/json', `Content-Length: ${20 * 1024 * 1024}`].join('\r\n'),
        [Buffer.from(big(20 * 1024 * 1024 - 40))],
      );
      expectRawProblem(huge, 413, 'REQUEST.TOO_LARGE');
      const chunked = await rawExchange(
        base,
        ['POST /api/v1/auth/login HTTP/1.1', `Host: 127.0.0.1:${port}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked'].join('\r\n'),
        [Buffer.from(`${(300 * 1024).toString(16)}\r\n`), Buffer.alloc(300 * 1024, 0x20), Buffer.from('\r\n0\r\n\r\n')],
      );
      expectRawProblem(chunked, 413, 'REQUEST.TOO_LARGE');
      const bomb = gzipSync(Buffer.from(big(10 * 1024 * 1024)));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const inflated = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
      expect({ status: inflated.status, code: ((await inflated.json()) as { code: string }).code }).toEqual({ status: 413, code: 'REQUEST.TOO_LARGE' });
      // A small gzip body is read.
      const small = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(Buffer.from(JSON.stringify({ email: 'alice@example.org', password: 'Correct horse 1' }))),
      });
      expect(small.status).toBe(200);
    });

    it('form bodies with thousands of parameters or keys nested 5,000 deep are refused as forms (415)', async () => {
      const many = Array.from({ length: 5000 }, (_, i) => `p${i}=${i}`).join('&');
      const deep = `${'a' + '[a]'.repeat(5000)}=1`;
      for (const body of [many, deep]) {
        const reply = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
        expect({ status: reply.status, code: ((await reply.json()) as { code: string }).code }).toEqual({ status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
      }
      // JSON nested that deep is malformed for this API.
      const nested = await fetch(`${base}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '['.repeat(5000) + ']'.repeat(5000) });
      expect({ status: nested.status, code: ((await nested.json()) as { code: string }).code }).toEqual({ status: 400, code: 'REQUEST.MALFORMED' });
    });

    it('an unknown charset or content coding is a 415', async () => {
      const cases: Record<string, string>[] = [
        { 'content-type': 'application/json; charset=koi9' },
        { 'content-type': 'application/json; charset=utf-16' },
        { 'content-type': 'application/json', 'content-encoding': 'br2' },
        { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip' },
      ];
      for (const headers of cases) {
        const withBody = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers, body: '{}' });
        expect({ headers, status: withBody.status, code: ((await withBody.json()) as { code: string }).code }).toEqual({ headers, status: 415, code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE' });
      }
    });
  });

  describe('browser-safe headers', () => {
    it('keeps an idle connection for HTTP_KEEP_ALIVE_TIMEOUT (65 s by default), above a load balancer\'s idle timeout', async () => {
      const { get } = await import('node:http');
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        get(`${base}/health/live`, { headers: { connection: 'keep-alive' } }, (res) => {
          res.resume();
          resolve(res.headers);
        }).on('error', reject);
      });
      expect(headers['connection']).toBe('keep-alive');
      expect(headers['keep-alive']).toBe('timeout=65');
    });

    it('every answer says nosniff and names no framework; pages cannot be framed; HSTS only over HTTPS', async () => {
      const answers = {
        json: await fetch(`${base}/api/v1/openapi.json`),
        problem: await fetch(`${base}/api/v1/recordings`),
        notFound: await fetch(`${base}/api/v1/nothing`),
        docs: await fetch(`${base}/api/docs`),
        asset: await fetch(`${base}/api/docs/assets/leap-docs.js`),
        verifyPage: await fetch(`${base}/api/v1/auth/verify-email?token=dead`, { headers: { accept: 'text/html' } }),
        health: await fetch(`${base}/health/live`),
      };
      for (const [name, reply] of Object.entries(answers)) {
        await reply.arrayBuffer();
        expect({ name, nosniff: reply.headers.get('x-content-type-options'), poweredBy: reply.headers.get('x-powered-by') }).toEqual({ name, nosniff: 'nosniff', poweredBy: null });
        expect({ name, frame: reply.headers.get('x-frame-options') }).toEqual({ name, frame: 'DENY' });
        expect({ name, csp: reply.headers.get('content-security-policy') }).toEqual({ name, csp: expect.stringContaining("frame-ancestors 'none'") });
        expect({ name, hsts: reply.headers.get('strict-transport-security') }).toEqual({ name, hsts: null });
      }
      const csp = answers.docs.headers.get('content-security-policy')!;
      // The reference page loads its scripts and styles from the gateway, and fetches the document from it.
      expect(csp).toMatch(/script-src 'self'/);
      expect(csp).toMatch(/connect-src 'self'/);
      expect(csp).not.toMatch(/unsafe-eval/);

      const https = await fetch(`${base}/api/v1/openapi.json`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(https.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    });

    it('the password-reset form works under the policy: its one inline script is allowed by hash, no other', async () => {
      await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'alice@example.org' } });
      const resetMail = await mail.waitFor({ to: 'alice@example.org', subject: 'Reset your LEAP password' });
      const page = await fetch(resetMail.links[0]!, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      const html = await page.text();
      const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
      expect(scripts).toHaveLength(1);
      const hash = `'sha256-${createHash('sha256').update(scripts[0]!, 'utf8').digest('base64')}'`;
      const csp = page.headers.get('content-security-policy')!;
      expect(csp).toContain(`script-src 'self' ${hash}`);
      expect(csp).not.toContain('unsafe-inline\' \'sha256');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
    });

    it('a header with a control character gets problem details too', async () => {
      const reply = await rawExchange(base, ['GET /api/v1/openapi.json HTTP/1.1', `Host: 127.0.0.1:${port}`, 'X-Note: a\u0001b'].join('\r\n'));
      expectRawProblem(reply, 400, 'REQUEST.MALFORMED');
      expect(reply!.headers['x-content-type-options']).toBe('nosniff');
    });
  });

  describe('sessions and credentials', () => {
    it('the CSRF token is bound to the session: a planted cookie with a matching header is refused', async () => {
      const login = await call('POST', '/api/v1/auth/login', { json: { email: 'alice@example.org', password: 'Correct horse 1', mode: 'cookie' } });
      const access = /access_token=([^;]+)/.exec(login.setCookies.access_token!)![1]!;
      const own = login.body.csrfToken as string;
      const planted = 'planted-by-a-sibling-domain';
      const patch = (csrf: string, cookie: string) =>
        call('PATCH', '/api/v1/users/me', { cookies: { access_token: access, csrf_token: cookie }, headers: { 'x-csrf-token': csrf }, json: { fullName: 'Changed' } });
      expectProblem(await patch(planted, planted), 403, 'AUTH.CSRF_FAILED');
      const other = await call('POST', '/api/v1/auth/login', { json: { email: 'bob@example.org', password: 'Correct horse 1', mode: 'cookie' } });
      expectProblem(await patch(other.body.csrfToken, other.body.csrfToken), 403, 'AUTH.CSRF_FAILED');
      expect((await patch(own, own)).status).toBe(200);
      // A refresh keeps the session, and so its token.
      const refresh = await call('POST', '/api/v1/auth/refresh', {
        cookies: { refresh_token: /refresh_token=([^;]+)/.exec(login.setCookies.refresh_token!)![1]!, csrf_token: planted },
        headers: { 'x-csrf-token': planted },
      });
      expectProblem(refresh, 403, 'AUTH.CSRF_FAILED');
    });

    it('an API key cannot sign the user out everywhere, as it cannot sign out the others', async () => {
      const key = await call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'ci', scopes: ['read', 'write'] } });
      expect(key.status).toBe(201);
      expectProblem(await call('POST', '/api/v1/auth/logout-all', { token: key.body.key }), 403, 'AUTH.SESSION_REQUIRED');
      expectProblem(await call('POST', '/api/v1/auth/logout-others', { token: key.body.key }), 403, 'AUTH.SESSION_REQUIRED');
      expect((await call('GET', '/api/v1/users/me', { token: bob.token })).status).toBe(200);
    });

    it('forgot-password answers before anything about the account is looked up or stored', async () => {
      // Hold the table the reset token goes into: an answer that waited for it would never come.
      const holder = new Client({ connectionString: world.db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('LOCK TABLE gateway.auth_tokens IN EXCLUSIVE MODE');
        const known = await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'bob@example.org' } });
        const unknown = await call('POST', '/api/v1/auth/forgot-password', { json: { email: 'nobody@example.org' } });
        expect(known.status).toBe(202);
        expect(known.text).toBe(unknown.text);
        expect(mail.messages.filter((m) => m.to.includes('bob@example.org') && /Reset/.test(m.subject))).toEqual([]);
      } finally {
        await holder.query('COMMIT');
        await holder.end();
      }
      // The mail goes out once the token can be stored.
      await mail.waitFor({ to: 'bob@example.org', subject: 'Reset your LEAP password' });
    });
  });

  describe('what recordings show', () => {
    function publish(type: string, data: Record<string, unknown>): Promise<void> {
      return ingestDb.transaction((manager) => ingestBus.publish(manager, type, data, { subject: String(data.recordingId), tenant: String(data.userId) }));
    }

    it('a failure is a code and a plain message, never internal paths or storage keys', async () => {
      const upload = await call('POST', '/api/v1/recordings', { token: bob.token, form: uploadForm(mp4, 'Лекция №1 «графы».mp4', 'Лекция №1 «графы»') });
      expect(upload.status).toBe(202);
      const recordingId = upload.body.id as string;
      const internal = `ffprobe failed: /usr/lib/ffmpeg/bin/ffprobe exited 1 reading /var/tmp/leap-work/media-42/${recordingId}/source.mp4 (users/${bob.id}/recordings/${recordingId}/source.mp4)`;
      await publish('ingest.stage.status-changed.v1', {
        recordingId, userId: bob.id, stage: 'PIPELINE_STAGE_TRIM', status: 'STAGE_STATUS_FAILED', attempt: 1,
        startedAt: '2026-01-10T10:00:05.000Z', finishedAt: '2026-01-10T10:00:06.000Z',
        error: { code: 'MEDIA.CORRUPT_INPUT', message: internal, retryable: false },
      });
      await publish('ingest.recording.status-changed.v1', {
        recordingId, userId: bob.id, status: 'RECORDING_STATUS_PROCESSING', failed: true, failedStage: 'PIPELINE_STAGE_TRIM', failureReason: internal, changedAt: '2099-01-10T10:00:06.000Z',
      });
      const detail = await eventually(async () => {
        const reply = await call('GET', `/api/v1/recordings/${recordingId}`, { token: bob.token });
        expect(reply.body.failed).toBe(true);
        expect(reply.body.stages).toHaveLength(1);
        return reply;
      });
      expect(detail.body.failureReason).toBe('The recording could not be processed (reading or trimming its media failed).');
      expect(detail.body.stages[0].error).toEqual({ code: 'MEDIA.CORRUPT_INPUT', message: 'The file could not be read as audio or video; it may be damaged.', retryable: false });
      const list = await call('GET', '/api/v1/recordings', { token: bob.token });
      for (const text of [detail.text, list.text]) {
        expect(text).not.toMatch(/ffprobe|\/usr\/|\/tmp\/|\/var\/|leap-work|users\//);
        expect(text).not.toContain(bob.id);
      }

      // Downloads name the file in any script without raw non-ASCII bytes in the header.
      const store = new LocalObjectStore(world.storageRoot);
      const stored = await store.put(`users/${bob.id}/recordings/${recordingId}/transcription/subtitles.srt`, '1\n00:00:00,000 --> 00:00:01,000\nHi.\n');
      const ref = (kind: string, contentType: string) => ({ key: stored.key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind });
      await publish('transcription.subtitles.generated.v1', {
        recordingId, userId: bob.id, srt: ref('OBJECT_KIND_SUBTITLES_SRT', 'application/x-subrip'), vtt: ref('OBJECT_KIND_SUBTITLES_VTT', 'text/vtt'),
      });
      const download = await eventually(async () => {
        const reply = await fetch(`${base}/api/v1/recordings/${recordingId}/subtitles.srt`, { headers: { authorization: `Bearer ${bob.token}` } });
        expect(reply.status).toBe(200);
        return reply;
      });
      await download.arrayBuffer();
      const disposition = download.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^[\x20-\x7e]+$/);
      // The title as the recording keeps it for a file name (signs other than letters and digits become _).
      expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(disposition)![1]!)).toBe('Лекция _1 _графы_.srt');
    });

    it('an upload whose title carries a NUL or another control character is a 400, and its file is not kept', async () => {
      const before = (await call('GET', '/api/v1/recordings', { token: bob.token })).body.total;
      const files = filesUnder(world.storageRoot).length;
      for (const title of ['x\u0000y', 'bell\u0007']) {
        const reply = await call('POST', '/api/v1/recordings', { token: bob.token, form: uploadForm(mp4, 'lecture.mp4', title) });
        expectProblem(reply, 400, 'VALIDATION.FAILED');
        expect(reply.body.errors).toEqual([{ field: 'title', message: 'must not contain control characters' }]);
      }
      expect((await call('GET', '/api/v1/recordings', { token: bob.token })).body.total).toBe(before);
      await eventually(() => expect(filesUnder(world.storageRoot)).toHaveLength(files));
    });

    it('an upload whose file name is longer than 255 characters is a 400', async () => {
      const reply = await call('POST', '/api/v1/recordings', { token: bob.token, form: uploadForm(mp4, `${'n'.repeat(300)}.mp4`) });
      expectProblem(reply, 400, 'VALIDATION.FAILED');
      expect(reply.body.errors).toEqual([{ field: 'file', message: 'the file name must be at most 255 characters' }]);
    });
  });

  describe('lists and methods', () => {
    it('unknown list parameters, such as page[]= and status[]=, are a 400 instead of being ignored', async () => {
      for (const query of ['page[]=2', 'status[]=READY', 'stauts=READY']) {
        const reply = await call('GET', `/api/v1/recordings?${query}`, { token: alice.token });
        expectProblem(reply, 400, 'VALIDATION.FAILED');
        expect(reply.body.errors).toEqual([{ field: query.split('=')[0], message: 'is not a known parameter or field' }]);
      }
      expectProblem(await call('GET', '/api/v1/auth/sessions?page[]=1', { token: alice.token }), 400, 'VALIDATION.FAILED');
    });

    it('a method a path does not take is a 405 with Allow, before any credential is asked for', async () => {
      for (const [method, path, allow] of [
        ['PUT', '/api/v1/recordings', 'GET, HEAD, POST'],
        ['TRACE', '/api/v1/recordings', 'GET, HEAD, POST'],
        ['OPTIONS', '/api/v1/recordings', 'GET, HEAD, POST'],
        ['PATCH', '/api/v1/recordings/0190f5d0-0000-7000-8000-000000000001', 'DELETE, GET, HEAD'],
        ['GET', '/api/v1/auth/login', 'POST'],
      ] as const) {
        // fetch refuses to send TRACE, so it goes over a raw connection.
        const raw = await rawExchange(base, [`${method} ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Authorization: Bearer ${alice.token}`].join('\r\n'));
        expect({ method, path, status: raw?.status, allow: raw?.headers.allow, code: raw?.body?.code }).toEqual({ method, path, status: 405, allow, code: 'HTTP.METHOD_NOT_ALLOWED' });
      }
      const anonymous = await call('PUT', '/api/v1/recordings');
      expectProblem(anonymous, 405, 'HTTP.METHOD_NOT_ALLOWED');
      expect(anonymous.headers.get('allow')).toBe('GET, HEAD, POST');
      expectProblem(await call('PUT', '/api/v1/nothing-here'), 404, 'HTTP.NOT_FOUND');
    });
  });
});
