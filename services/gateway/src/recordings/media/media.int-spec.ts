import { DataSource } from 'typeorm';
import { newMessageId } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { eventually, freePort, startFakeS3, type FakeS3 } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../../testing';

const BUCKET = 'leap-media';
/** 256 KiB whose every byte says where it is, so a range can be checked byte for byte. */
const VIDEO = Buffer.from(Array.from({ length: 256 * 1024 }, (_v, i) => (i * 7 + (i >> 8)) & 0xff));

let fake: FakeS3;
beforeAll(async () => {
  fake = await startFakeS3({ buckets: [BUCKET] });
});
afterAll(() => fake?.close());

const backends: [string, () => Record<string, string>][] = [
  ['local', () => ({})],
  [
    's3',
    () => ({
      STORAGE_BACKEND: 's3',
      S3_BUCKET: BUCKET,
      S3_REGION: fake.region,
      S3_ENDPOINT: fake.endpoint,
      S3_ACCESS_KEY_ID: fake.accessKeyId,
      S3_SECRET_ACCESS_KEY: fake.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: 'media-spec',
    }),
  ],
];

describe.each(backends)('media URLs of a recording (%s storage)', (backend, storageEnv) => {
  let world: ServiceWorld;
  let db: DataSource;
  let base: string;
  let store: ObjectStore;
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  let id: string;

  /** The read model's row of a recording of `owner` whose original (and, when given, processed video) are stored. */
  async function recording(owner: Account, processed?: Buffer): Promise<string> {
    const recordingId = newMessageId();
    const source = await store.put(storageKeys.source(owner.id, recordingId, 'mp4'), VIDEO, { contentType: 'video/mp4' });
    const artifacts: Record<string, unknown> = { source: { key: source.key, sizeBytes: source.sizeBytes, contentType: 'video/mp4', checksumSha256: source.checksumSha256 } };
    if (processed) {
      const video = await store.put(storageKeys.video(owner.id, recordingId, 'webm'), processed);
      artifacts.video = { key: video.key, sizeBytes: video.sizeBytes, contentType: 'video/webm', checksumSha256: video.checksumSha256 };
    }
    await db.query(`INSERT INTO recordings (id, user_id, title, status, artifacts) VALUES ($1, $2, 'Lecture', 'READY', $3::jsonb)`, [recordingId, owner.id, JSON.stringify(artifacts)]);
    return recordingId;
  }

  async function mediaUrl(recordingId: string, query: string, owner = alice): Promise<string> {
    const reply = await call('GET', `/api/v1/recordings/${recordingId}/media?${query}`, { token: owner.token });
    expect(reply.status).toBe(200);
    return reply.body.url;
  }

  beforeAll(async () => {
    const port = await freePort();
    world = await createServiceWorld(`gateway_media_${backend}`, gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ...storageEnv() }));
    const gateway = await startGateway(world, { port });
    ({ db, base } = gateway);
    store = gateway.app.get(OBJECT_STORE);
    alice = await verifiedUser(client, db, `alice-${backend}@example.org`);
    bob = await verifiedUser(client, db, `bob-${backend}@example.org`);
    id = await recording(alice, Buffer.from('processed video'));
  }, 300_000);

  afterAll(() => world?.close());

  it('is ready once the store answers', async () => {
    const ready = await call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks['gateway.storage']).toEqual({ status: 'up' });
    if (backend === 's3') expect(fake.operations.HeadBucket).toBeGreaterThan(0);
  });

  it('answers a URL that fetches the media with no credential, for an hour by default', async () => {
    const reply = await call('GET', `/api/v1/recordings/${id}/media?type=original`, { token: alice.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ url: expect.any(String), expiresIn: 3600 });
    if (backend === 's3') expect(reply.body.url).toMatch(new RegExp(`^${fake.endpoint}/${BUCKET}/media-spec/users/${alice.id}/recordings/${id}/source\\.mp4\\?.*X-Amz-Expires=3600`));
    else expect(reply.body.url).toMatch(new RegExp(`^${base}/api/v1/media/[A-Za-z0-9_-]+\\?expires=\\d+&signature=[A-Za-z0-9_-]+$`));

    const media = await fetch(reply.body.url);
    expect(media.status).toBe(200);
    expect(Buffer.from(await media.arrayBuffer()).equals(VIDEO)).toBe(true);

    const processed = await fetch(await mediaUrl(id, 'type=processed&expires_in=604800'));
    expect(await processed.text()).toBe('processed video');
  });

  it('serves ranges so players can seek', async () => {
    const url = await mediaUrl(id, 'type=original');
    const part = await fetch(url, { headers: { Range: 'bytes=1000-1999' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-1999/${VIDEO.length}`);
    expect(part.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await part.arrayBuffer()).equals(VIDEO.subarray(1000, 2000))).toBe(true);

    const tail = await fetch(url, { headers: { Range: 'bytes=-100' } });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(VIDEO.subarray(VIDEO.length - 100))).toBe(true);

    const past = await fetch(url, { headers: { Range: `bytes=${VIDEO.length}-` } });
    expect(past.status).toBe(416);
    await past.arrayBuffer();
    if (backend === 'local') expect(past.headers.get('content-range')).toBe(`bytes */${VIDEO.length}`);
  });

  it('refuses an altered URL', async () => {
    const url = new URL(await mediaUrl(id, 'type=original'));
    const other = await recording(bob);
    const bobsKey = storageKeys.source(bob.id, other, 'mp4');
    const tampered: URL[] = [];
    if (backend === 's3') {
      const signature = url.searchParams.get('X-Amz-Signature')!;
      const badSignature = new URL(url);
      badSignature.searchParams.set('X-Amz-Signature', `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`);
      const otherPath = new URL(url);
      otherPath.pathname = `/${BUCKET}/media-spec/${bobsKey}`;
      const longer = new URL(url);
      longer.searchParams.set('X-Amz-Expires', '604800');
      tampered.push(badSignature, otherPath, longer);
    } else {
      const badSignature = new URL(url);
      const signature = url.searchParams.get('signature')!;
      badSignature.searchParams.set('signature', `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`);
      const otherPath = new URL(url);
      otherPath.pathname = `/api/v1/media/${Buffer.from(bobsKey).toString('base64url')}`;
      const longer = new URL(url);
      longer.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 86_400));
      tampered.push(badSignature, otherPath, longer);
    }
    for (const altered of tampered) {
      const reply = await fetch(altered);
      expect({ url: altered.href, status: reply.status }).toEqual({ url: altered.href, status: 403 });
      const body = await reply.text();
      if (backend === 'local') expect(JSON.parse(body)).toMatchObject({ status: 403, code: 'MEDIA.URL_INVALID' });
      else expect(body).toContain('<Code>SignatureDoesNotMatch</Code>');
    }
  });

  it('refuses a URL once it has expired', async () => {
    // A one-second URL (that such URLs open before their expiry is shown above); the refusal must
    // name the expiry, not a bad signature.
    const url = await mediaUrl(id, 'type=original&expires_in=1');
    const reply = await eventually(
      async () => {
        const r = await fetch(url);
        expect(r.status).toBe(403);
        return r;
      },
      { intervalMs: 100 },
    );
    const body = await reply.text();
    if (backend === 'local') expect(JSON.parse(body)).toMatchObject({ code: 'MEDIA.URL_EXPIRED' });
    else expect(body).toContain('Request has expired');
  });

  it('answers 404 for another user, a missing artifact or a missing object, and refuses lifetimes out of bounds', async () => {
    expectProblem(await call('GET', `/api/v1/recordings/${id}/media?type=original`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('GET', `/api/v1/recordings/not-a-uuid/media?type=original`, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');
    const unprocessed = await recording(alice);
    expectProblem(await call('GET', `/api/v1/recordings/${unprocessed}/media?type=processed`, { token: alice.token }), 404, 'ARTIFACT.NOT_READY');
    await store.delete(storageKeys.source(alice.id, unprocessed, 'mp4'));
    expectProblem(await call('GET', `/api/v1/recordings/${unprocessed}/media?type=original`, { token: alice.token }), 404, 'ARTIFACT.NOT_READY');

    for (const seconds of ['0', '604801']) {
      expectProblem(await call('GET', `/api/v1/recordings/${id}/media?type=original&expires_in=${seconds}`, { token: alice.token }), 422, 'MEDIA.EXPIRES_IN_OUT_OF_RANGE');
    }
    expectProblem(await call('GET', `/api/v1/recordings/${id}/media?type=thumbnail`, { token: alice.token }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', `/api/v1/recordings/${id}/media?type=original`), 401, 'AUTH.UNAUTHENTICATED');
  });
});
