/**
 * Robustness of every operation of the served OpenAPI document, by property-based generation
 * (fast-check): malformed, wrongly typed and oversized bodies, NUL and control characters, huge
 * numbers, unicode and path tricks in every path and query parameter, odd content types and
 * encodings, sent by a signed-in administrator (so admin routes are reached too). Whatever is
 * sent, no answer is a 500, every error is a problem with a code docs/api.md lists (at its
 * documented status), and the gateway still answers afterwards.
 *
 * LEAP_ROBUSTNESS_RUNS sets the cases per operation (default 12); fast-check prints the seed of a
 * failing run, and LEAP_ROBUSTNESS_SEED replays it.
 */
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import {
  answerFaults,
  documentedProblemCodes,
  fillPath,
  gatewayTestEnv,
  httpClient,
  ingestStandIn,
  publishingStandIn,
  transcriptionStandIn,
  quotaStandIn,
  servedOperations,
  signIn,
  startGateway,
  verifiedUser,
  type Operation,
} from '../testing';

const RUNS = Number(process.env.LEAP_ROBUSTNESS_RUNS ?? 12);
const SEED = process.env.LEAP_ROBUSTNESS_SEED ? Number(process.env.LEAP_ROBUSTNESS_SEED) : undefined;

let reservations = 0;
const fakeQuota = quotaStandIn({
  reserve: () => ({ granted: true, reservationId: `res-${++reservations}`, limit: '100000', used: '0', period: '2026-01' }),
  release: () => undefined,
});

// ---------------------------------------------------------------- what is sent

/** Text that has broken parsers before: NUL and control characters, numbers past any range, unicode tricks, injections. */
const TRICKY_TEXT = [
  '',
  ' ',
  'x\u0000y',
  '\u0000',
  '\u0007\u001b[31m\u007f',
  '\r\nX-Injected: 1',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '\u202eevil\u202d',
  'e\u0301\u0301\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🙂',
  '\ud800',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${jndi:ldap://x}',
  '{{7*7}}',
  'NaN',
  '-1',
  '0',
  '-0',
  '1e308',
  '-1e308',
  '99999999999999999999',
  '0x10',
  'Infinity',
  'null',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '0190a6c4-0000-7000-8000-000000000000',
  'a'.repeat(5000),
];

/** Percent-encodes any text, lone surrogates included (as the UTF-8 of U+FFFD, which is what a client would send). */
function encode(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

const text = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY_TEXT) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
);

/** Path segments as they go on the wire: encoded text, or raw tricks (bad percent-encoding, encoded slashes and dots). */
const RAW_SEGMENTS = ['%00', '%E0%A4%A', '%', '%ff%fe', '..%2f..%2fetc%2fpasswd', '%2e%2e', '%2F', '%5c', 'a%0d%0ab', '%C0%AE'];
const segment = fc.oneof({ weight: 3, arbitrary: text.map((t) => encode(t)) }, { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) });

/** A JSON value of any shape, numbers past every range included. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  text,
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -1, 0, 0.5, Number.MAX_SAFE_INTEGER * 10),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A body for a JSON operation: its own fields with values of any type, any JSON, broken JSON, oversized or deep. */
function jsonBody(operation: Operation): fc.Arbitrary<{ contentType?: string; encoding?: string; body: string }> {
  const fields = Object.keys((operation.body?.schema?.properties as Record<string, unknown> | undefined) ?? {});
  const own = fields.length > 0 ? fc.dictionary(fc.constantFrom(...fields, '__proto__', 'constructor', 'role', 'isAdmin'), anyValue, { maxKeys: fields.length + 2 }) : fc.object();
  const content = fc.oneof(
    { weight: 4, arbitrary: own.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"email": ',
        '[',
        '{"a":1}}',
        '\u0000',
        '\ufeff{}',
        '{"__proto__":{"role":"admin"}}',
        `"${'x'.repeat(200_000)}"`,
        '['.repeat(100) + ']'.repeat(100),
        `{${Array.from({ length: 3000 }, (_, i) => `"k${i}":${i}`).join(',')}}`,
      ),
    },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'application/json; charset=latin1', 'application/problem+json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml') },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  const encoding = fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'br', 'identity', 'compress', 'gzip, gzip') });
  return fc.record({ contentType, encoding, body: content });
}

/** A body for a multipart operation (the upload): hostile names and titles, broken parts, or no multipart at all. */
function multipartBody(): fc.Arbitrary<{ contentType?: string; body: string | Buffer }> {
  const boundary = 'leapRobustness7';
  const part = (name: string, filename: string | undefined, content: Buffer | string) =>
    Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n\r\n`, 'utf8'),
      Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'),
      Buffer.from('\r\n'),
    ]);
  const head = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1')]);
  const wellFormed = fc
    .record({ title: text, filename: fc.oneof(text, text.map((t) => `${t}.mp4`)), content: fc.oneof(fc.constant(head), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))) })
    .map(({ title, filename, content }) => ({
      contentType: `multipart/form-data; boundary=${boundary}`,
      body: Buffer.concat([part('title', undefined, title), part('file', filename, content), Buffer.from(`--${boundary}--\r\n`)]),
    }));
  const broken = fc.constantFrom(
    { contentType: `multipart/form-data; boundary=${boundary}`, body: `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\nunterminated` },
    { contentType: 'multipart/form-data', body: 'no boundary' },
    { contentType: `multipart/form-data; boundary=${'b'.repeat(300)}`, body: 'x' },
    { contentType: 'application/json', body: '{"file":"x"}' },
    { contentType: undefined, body: 'raw' },
  );
  return fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 1, arbitrary: broken });
}

/** Headers and bytes of a tus request (the resumable uploads): hostile lengths, offsets, metadata and versions, or none at all. */
function tusRequestParts(): fc.Arbitrary<{ headers: Record<string, string>; body?: { contentType?: string; body: string | Buffer } }> {
  const metadataValue = fc.oneof(text, text.map((t) => `${t}.mp4`), fc.constantFrom('lecture.mp4', 'video/mp4', 'application/pdf'));
  const metadata = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .dictionary(fc.constantFrom('filename', 'name', 'filetype', 'type', 'title', 'other'), fc.option(metadataValue, { nil: null }), { maxKeys: 4 })
        .map((pairs) => Object.entries(pairs).map(([k, v]) => (v === null ? k : `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)).join(',')),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^[\x20-\x7e]{0,200}$/) },
  );
  const number = fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '0', '1e3', '99999999999999999999', '0x10', ' 12', '', '12abc'));
  const headers = fc.record(
    {
      'tus-resumable': fc.oneof({ weight: 5, arbitrary: fc.constant('1.0.0') }, { weight: 1, arbitrary: fc.constantFrom('0.2.2', '', '1.0.0, 1.0.0') }),
      'upload-length': number,
      'upload-offset': number,
      'upload-metadata': metadata,
      'upload-defer-length': fc.constantFrom('1', '0'),
      'upload-concat': fc.constantFrom('partial', 'final;/api/v1/uploads/x'),
      'x-http-method-override': fc.constantFrom('DELETE', 'PATCH', 'GET', 'PROPFIND'),
    },
    { requiredKeys: ['tus-resumable'] },
  );
  const head = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1')]);
  const body = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc.record({
        contentType: fc.constantFrom('application/offset+octet-stream', 'application/offset+octet-stream; x=1', 'application/json', undefined),
        body: fc.oneof(fc.constant(head), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b))),
      }),
    },
  );
  return fc.record({ headers, body });
}

interface Case {
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: { contentType?: string; encoding?: string; body: string | Buffer };
}

/** Every case of one operation: path values, query parameters (declared, repeated, bracketed, unknown), a header or two, a body. */
function casesOf(operation: Operation): fc.Arbitrary<Case> {
  const pathNames = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  const queryNames = operation.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const queryName = fc.oneof(
    { weight: 4, arbitrary: queryNames.length > 0 ? fc.constantFrom(...queryNames) : fc.constant('page') },
    { weight: 1, arbitrary: (queryNames.length > 0 ? fc.constantFrom(...queryNames) : fc.constant('page')).map((n) => `${n}[]`) },
    { weight: 1, arbitrary: fc.constantFrom('__proto__', 'unknown', '%00', 'a'.repeat(300)) },
  );
  const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,300}$/);
  return fc.record({
    path: fc.record(Object.fromEntries(pathNames.map((name) => [name, segment])) as Record<string, fc.Arbitrary<string>>),
    query: fc.array(fc.tuple(queryName, text), { maxLength: 4 }),
    headers: fc.record(
      { 'idempotency-key': headerValue, 'x-request-id': headerValue, accept: fc.constantFrom('text/html', '*/*', 'application/json', 'image/png;q=0') },
      { requiredKeys: [] },
    ),
    body: operation.body?.contentType === 'multipart/form-data' ? multipartBody() : operation.body ? jsonBody(operation) : fc.constant(undefined),
  });
}

/** A tus operation's cases: its path values, and a tus request's headers and body (HEAD and OPTIONS send none). */
function tusCasesOf(operation: Operation): fc.Arbitrary<Case> {
  const pathNames = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  return fc
    .record({ path: fc.record(Object.fromEntries(pathNames.map((name) => [name, segment])) as Record<string, fc.Arbitrary<string>>), tus: tusRequestParts() })
    .map(({ path, tus }) => ({ path, query: [], headers: tus.headers, body: ['HEAD', 'OPTIONS'].includes(operation.method) ? undefined : tus.body }));
}

function urlOf(base: string, operation: Operation, sample: Case): string {
  const query = sample.query.map(([k, v]) => `${k.startsWith('%') ? k : encode(k).replace(/%5B%5D$/, '[]')}=${encode(v)}`).join('&');
  return `${base}${fillPath(operation.path, sample.path)}${query ? `?${query}` : ''}`;
}

describe('robustness of every operation', () => {
  let world: ServiceWorld;
  let base: string;
  let db: DataSource;
  const client = httpClient(() => base);

  beforeAll(async () => {
    world = await createServiceWorld('gateway_robustness_suite', gatewayTestEnv({
        AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
        MAIL_RESEND_COOLDOWN: '0s',
        // Storage is not running and the stand-ins answer only what the other cases need: a request
        // nobody answers is a documented 503 after the services' own default wait, not a minute's.
        QUOTA_REQUEST_TIMEOUT: '5s',
        INGEST_REQUEST_TIMEOUT: '5s',
        PUBLISHING_REQUEST_TIMEOUT: '5s',
        STORAGE_REQUEST_TIMEOUT: '5s',
        JOBS_REQUEST_TIMEOUT: '3s',
      }));
    await world.start(fakeQuota);
    await world.start(ingestStandIn(() => undefined));
    await world.start(publishingStandIn());
    await world.start(transcriptionStandIn());
    ({ base, db } = await startGateway(world));
  }, 300_000);

  afterAll(() => world?.close());

  it('never answers 500, answers every error as a documented problem, and still answers afterwards', async () => {
    const codes = documentedProblemCodes();
    await verifiedUser(client, db, 'root@example.org', { role: 'admin' });
    const operations = await servedOperations(base);
    let cases = 0;
    for (const operation of operations) {
      // Some operations sign the caller out (logout, logout-all, logout-others): every case signs in afresh.
      const signsOut = operation.path.startsWith('/api/v1/auth/');
      let token = (await signIn(client, 'root@example.org')).accessToken;
      await fc.assert(
        fc.asyncProperty(operation.path.startsWith('/api/v1/uploads') ? tusCasesOf(operation) : casesOf(operation), async (sample) => {
          cases += 1;
          if (signsOut) token = (await signIn(client, 'root@example.org')).accessToken;
          const headers: Record<string, string> = { ...sample.headers, authorization: `Bearer ${token}` };
          let body: string | Buffer | undefined;
          if (sample.body) {
            if (sample.body.contentType) headers['content-type'] = sample.body.contentType;
            if (sample.body.encoding) headers['content-encoding'] = sample.body.encoding;
            body = sample.body.body;
          }
          const response = await fetch(urlOf(base, operation, sample), { method: operation.method, headers, body, redirect: 'manual' });
          // An event stream that opened stays open: its headers are the answer.
          const stream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
          const raw = stream ? (await response.body?.cancel(), '') : await response.text();
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch {
            parsed = undefined;
          }
          // The mail links answer a browser that asks for HTML with a page, errors included (docs/api.md, accounts).
          const page = sample.headers.accept === 'text/html' && operation.method === 'GET' && (response.headers.get('content-type') ?? '').startsWith('text/html');
          // A HEAD answer has no body: a problem shows in its status and content type alone.
          const head = operation.method === 'HEAD';
          const headFaults = () =>
            response.status >= 500 && response.status !== 503
              ? [`status ${response.status}`]
              : response.status >= 400 && !(response.headers.get('content-type') ?? '').startsWith('application/problem+json')
                ? ['not a problem']
                : [];
          const faults = page
            ? response.status >= 500
              ? [`status ${response.status}`]
              : []
            : head
              ? headFaults()
              : answerFaults({ status: response.status, headers: response.headers, body: parsed }, codes);
          if (faults.length > 0) throw new Error(`${operation.key}: ${faults.join('; ')} — answered ${response.status} ${raw.slice(0, 300)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    }
    console.log(`robustness suite: ${operations.length} operations, ${cases} cases (${RUNS} per operation)`);
    expect(operations.length).toBeGreaterThanOrEqual(30);

    // Still standing: health, and a signed-in call.
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const token = (await signIn(client, 'root@example.org')).accessToken;
    expect((await client.call('GET', '/api/v1/users/me', { token })).status).toBe(200);
  }, 300_000);
});
