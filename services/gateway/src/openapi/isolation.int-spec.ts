/**
 * Tenant isolation, for every operation of the served OpenAPI document that takes an id: a second
 * tenant calling it with the first tenant's ids gets a 404, by access token and by API key, and
 * the first tenant's resources are untouched afterwards. An id-taking route without a fixture
 * below fails the suite, so a new route is covered the day it is added to the document.
 *
 * Administrator routes are left out on purpose: administrators act across tenants by design, and
 * their access is what the access suite checks.
 */
import type { DataSource } from 'typeorm';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { pngImage } from '@leap/testing';
import {
  expectProblem,
  enumeratedPathValues,
  minimalBody,
  fillPath,
  requiredQuery,
  gatewayTestEnv,
  httpClient,
  ingestStandIn,
  publishingStandIn,
  transcriptionStandIn,
  pathParameters,
  quotaStandIn,
  servedOperations,
  startGateway,
  tusCreate,
  tusHeaders,
  tusPatch,
  tusRequest,
  uploadForm,
  verifiedUser,
  type Account,
  type Operation,
} from '../testing';

let reservations = 0;
const fakeQuota = quotaStandIn({
  reserve: () => ({ granted: true, reservationId: `res-${++reservations}`, limit: '100', used: '0', period: '2026-01' }),
  release: () => undefined,
});

/** The first tenant's resources, one per kind of id a path can take, keyed by the path up to that id. */
interface Fixtures {
  recording: string;
  session: string;
  apiKey: string;
  thumbnail: string;
  webhook: string;
  preset: string;
  /** A speech provider the first tenant keeps a key for. */
  providerKey: string;
  upload: string;
  credential: string;
  source: string;
  sync: string;
  template: string;
  automationJob: string;
}

const FIXTURE_OF: Record<string, keyof Fixtures> = {
  '/api/v1/recordings/{id}': 'recording',
  '/api/v1/auth/sessions/{id}': 'session',
  '/api/v1/api-keys/{id}': 'apiKey',
  '/api/v1/thumbnails/{name}': 'thumbnail',
  '/api/v1/webhooks/{id}': 'webhook',
  '/api/v1/presets/{id}': 'preset',
  '/api/v1/transcription/credentials/{provider}': 'providerKey',
  '/api/v1/uploads/{id}': 'upload',
  '/api/v1/credentials/{id}': 'credential',
  '/api/v1/sources/{id}': 'source',
  '/api/v1/sources/syncs/{id}': 'sync',
  '/api/v1/templates/{id}': 'template',
  '/api/v1/templates/from-recording/{recordingId}': 'recording',
  '/api/v1/automation/jobs/{id}': 'automationJob',
};

/**
 * Operations whose path names a place in the caller's own library, not a resource of anyone: a
 * PUT of a thumbnail writes the caller's image of that name. They cannot reach another tenant's
 * resource; the suite checks afterwards that the first tenant's one is unchanged.
 */
const OWN_NAMESPACE = new Set(['PUT /api/v1/thumbnails/{name}', 'PUT /api/v1/transcription/credentials/{provider}']);

/** Operations whose path parameter names a platform, not anyone's resource: nothing of another tenant is reachable through it. */
const NO_RESOURCE = new Set(['GET /api/v1/oauth/{platform}/authorize']);

/** The fixture for the id of `path` (`/api/v1/recordings/{id}/subtitles.srt` takes a recording). */
function fixtureFor(operation: Operation): keyof Fixtures | undefined {
  const prefix = operation.path.slice(0, operation.path.indexOf('}') + 1);
  return FIXTURE_OF[prefix];
}

describe('tenant isolation of every operation that takes an id', () => {
  let world: ServiceWorld;
  let base: string;
  let db: DataSource;
  const client = httpClient(() => base);
  const { call } = client;

  beforeAll(async () => {
    world = await createServiceWorld('gateway_isolation_suite', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', OUTBOUND_ALLOWED_HOSTS: '127.0.0.1' }));
    await world.start(fakeQuota);
    await world.start(ingestStandIn(() => undefined));
    await world.start(publishingStandIn());
    await world.start(transcriptionStandIn());
    ({ base, db } = await startGateway(world));
  }, 300_000);

  afterAll(() => world?.close());

  it("answers 404 to a second tenant using the first tenant's ids, and leaves the first tenant's resources alone", async () => {
    const alice: Account = await verifiedUser(client, db, 'alice@example.org');
    const bob: Account = await verifiedUser(client, db, 'bob@example.org');
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1'), Buffer.alloc(1024, 1)]);
    const upload = await call('POST', '/api/v1/recordings', { token: alice.token, form: uploadForm(mp4, 'alice.mp4', 'Alice only') });
    expect(upload.status).toBe(202);
    const aliceKey = await call('POST', '/api/v1/api-keys', { token: alice.token, json: { name: 'alice', scopes: ['read', 'write'] } });
    const bobKey = await call('POST', '/api/v1/api-keys', { token: bob.token, json: { name: 'bob', scopes: ['read', 'write'] } });
    const image = pngImage(32, 18);
    const thumbnailForm = new FormData();
    thumbnailForm.append('file', new Blob([image]), 'alice-only.png');
    expect((await call('POST', '/api/v1/thumbnails', { token: alice.token, form: thumbnailForm })).status).toBe(201);
    const webhook = await call('POST', '/api/v1/webhooks', { token: alice.token, json: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['*'] } });
    expect(webhook.status).toBe(201);
    const ping = await call('POST', `/api/v1/webhooks/${webhook.body.id}/test`, { token: alice.token });
    const delivery = ping.body.deliveryIds[0] as string;
    const preset = await call('POST', '/api/v1/presets', { token: alice.token, json: { name: 'Alice only', platform: 'local' } });
    expect(preset.status).toBe(201);
    const shareLink = await call('POST', `/api/v1/recordings/${upload.body.id}/share`, { token: alice.token, json: {} });
    expect(shareLink.status).toBe(201);
    expect((await call('PUT', '/api/v1/transcription/credentials/assemblyai', { token: alice.token, json: { apiKey: 'alice-own-key-0123456789' } })).status).toBe(201);
    const resumable = await tusCreate(base, alice.token, mp4.length, { filename: 'alice.mp4' });
    expect(resumable.status).toBe(201);
    const uploadLocation = resumable.headers.get('location')!;
    expect((await tusPatch(base, alice.token, uploadLocation, 0, mp4.subarray(0, 100))).status).toBe(204);
    const credential = await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'youtube', accountName: 'alice@example.org', credentials: { accessToken: 'alice-token' } } });
    expect(credential.status).toBe(201);
    const source = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Alice only', platform: 'VIDEO_URL', config: { url: 'https://example.org/v' } } });
    expect(source.status).toBe(201);
    const sync = await call('POST', `/api/v1/sources/${source.body.id}/sync`, { token: alice.token, json: {} });
    expect(sync.status).toBe(202);
    const template = await call('POST', '/api/v1/templates', { token: alice.token, json: { name: 'Alice only' } });
    expect(template.status).toBe(201);
    const job = await call('POST', '/api/v1/automation/jobs', { token: alice.token, json: { name: 'Alice only', schedule: { type: 'time_of_day', time: '06:00' } } });
    expect(job.status).toBe(201);
    const fixtures: Fixtures = {
      recording: upload.body.id,
      session: alice.sessionId,
      apiKey: aliceKey.body.id,
      thumbnail: 'alice-only.png',
      webhook: webhook.body.id,
      preset: preset.body.id,
      providerKey: 'assemblyai',
      upload: uploadLocation.split('/').pop()!,
      credential: credential.body.id,
      source: source.body.id,
      sync: sync.body.id,
      template: template.body.id,
      automationJob: job.body.id,
    };

    const operations = (await servedOperations(base)).filter((o) => !o.isPublic && !o.adminOnly && pathParameters(o).length > 0 && !NO_RESOURCE.has(o.key));
    const faults: unknown[] = [];
    let cases = 0;
    for (const operation of operations) {
      const fixture = fixtureFor(operation);
      if (operation.key === 'PUT /api/v1/transcription/credentials/{provider}') {
        // The second tenant sets a key for the same provider: a key of their own.
        const reply = await call(operation.method, fillPath(operation.path, { provider: fixtures.providerKey }), { token: bob.token, json: { apiKey: 'bob-own-key-0123456789' } });
        if (reply.status !== 201) faults.push({ operation: operation.key, fault: `answered ${reply.status}, not 201 (a key of the caller's)` });
        cases += 1;
        continue;
      }
      if (OWN_NAMESPACE.has(operation.key)) {
        // The second tenant writes an image of the same name: a new one of their own.
        const form = new FormData();
        form.append('file', new Blob([pngImage(64, 36)]), 'bob.png');
        const reply = await call(operation.method, fillPath(operation.path, { name: fixtures.thumbnail }), { token: bob.token, form });
        if (reply.status !== 201) faults.push({ operation: operation.key, fault: `answered ${reply.status}, not 201 (a new image of the caller's)` });
        cases += 1;
        continue;
      }
      if (!fixture) {
        faults.push({ operation: operation.key, fault: 'no fixture for its id: add the first tenant resource it takes to FIXTURE_OF' });
        continue;
      }
      // Required query parameters get valid values, so only the id can make the call fail.
      const url =
        fillPath(operation.path, { ...enumeratedPathValues(operation), id: fixtures[fixture], recordingId: fixtures[fixture], name: fixtures[fixture], provider: fixtures[fixture], deliveryId: delivery, linkId: shareLink.body.id, platform: 'local', targetId: '01900000-0000-7000-8000-000000000001' }) +
        requiredQuery(operation);
      for (const [credential, token] of [['access token', bob.token], ['API key', bobKey.body.key as string]] as const) {
        cases += 1;
        const json = ['GET', 'DELETE', 'HEAD'].includes(operation.method) ? undefined : minimalBody(operation);
        const reply = await call(operation.method, url, { token, json });
        // A HEAD answer has no body: a 404 problem is its status and content type.
        const seen = { status: reply.status, code: operation.method === 'HEAD' && reply.status === 404 ? 'HEAD.NOT_FOUND' : reply.body?.code, type: reply.headers.get('content-type')?.split(';')[0] };
        // Routes for signed-in users only refuse every API key alike, whatever the id: that confirms nothing.
        const refusedForAnyId = credential === 'API key' && seen.status === 403 && seen.code === 'AUTH.SESSION_REQUIRED';
        if (!refusedForAnyId && (seen.status !== 404 || !/\.NOT_FOUND$/.test(String(seen.code)) || seen.type !== 'application/problem+json')) {
          faults.push({ operation: operation.key, credential, seen });
        }
        if (JSON.stringify(reply.body ?? {}).includes(alice.id)) faults.push({ operation: operation.key, credential, fault: "the answer names the first tenant's id" });
      }
    }
    console.log(`isolation suite: ${operations.length} id-taking operations, ${cases} cases`);
    expect(faults).toEqual([]);
    expect(operations.length).toBeGreaterThanOrEqual(8);

    // Nothing of the first tenant changed: the recording is not being deleted, the session and key still work.
    const recording = await call('GET', `/api/v1/recordings/${fixtures.recording}`, { token: alice.token });
    expect(recording.body).toMatchObject({ id: fixtures.recording, title: 'Alice only' });
    expect(recording.body.status).not.toBe('DELETING');
    expect((await call('GET', '/api/v1/users/me', { token: alice.token })).status).toBe(200);
    expect((await call('GET', '/api/v1/users/me', { token: aliceKey.body.key })).status).toBe(200);
    const thumbnail = await call('GET', `/api/v1/thumbnails/${fixtures.thumbnail}`, { token: alice.token });
    expect({ status: thumbnail.status, length: Number(thumbnail.headers.get('content-length')) }).toEqual({ status: 200, length: image.length });
    expect((await call('GET', `/api/v1/webhooks/${fixtures.webhook}`, { token: alice.token })).body).toMatchObject({ enabled: true, url: 'http://127.0.0.1:9/hooks' });
    expect((await call('GET', `/api/v1/presets/${fixtures.preset}`, { token: alice.token })).body).toMatchObject({ name: 'Alice only' });
    expect((await call('GET', `/api/v1/share/${shareLink.body.token}`)).body).toMatchObject({ title: 'Alice only' });
    expect((await call('GET', '/api/v1/transcription/credentials', { token: alice.token })).body.items).toEqual([expect.objectContaining({ provider: 'assemblyai' })]);
    const resumed = await tusRequest(base, 'HEAD', uploadLocation, tusHeaders(alice.token));
    expect({ status: resumed.status, offset: resumed.headers.get('upload-offset') }).toEqual({ status: 200, offset: '100' });
    expect((await call('GET', `/api/v1/sources/${fixtures.source}`, { token: alice.token })).body).toMatchObject({ name: 'Alice only' });
    expect((await call('GET', `/api/v1/credentials/${fixtures.credential}`, { token: alice.token })).body).toMatchObject({ accountName: 'alice@example.org', isActive: true });
    expect((await call('GET', `/api/v1/automation/jobs/${fixtures.automationJob}`, { token: alice.token })).body).toMatchObject({ name: 'Alice only', isActive: true });
    // And the second tenant's view of the same ids stays a 404 that does not confirm they exist.
    expectProblem(await call('GET', `/api/v1/recordings/${fixtures.recording}`, { token: bob.token }), 404, 'RECORDING.NOT_FOUND');
  });
});
