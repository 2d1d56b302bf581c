import amqp from 'amqplib';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { createMemoryTransport } from '@leap/logging';
import { SERVICE_LOGGER } from '@leap/platform';
import { MESSAGE_TYPES } from '@leap/contracts';
import { ingestService } from '@leap/ingest-service';
import { publishingService } from '@leap/publishing-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

const KEYRING = `k1:${'2'.repeat(64)}`;

/**
 * The credentials API over its two owners: Zoom and Yandex Disk sources kept by ingest, upload
 * platforms by publishing, each sealed at rest. No secret comes back in an answer, a log line or a
 * message on the bus.
 */
describe('credentials through the gateway, ingest and publishing', () => {
  let world: ServiceWorld;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  let ingestDb: DataSource;
  const logs = createMemoryTransport();
  const onBus: string[] = [];
  let tap: amqp.ChannelModel | undefined;

  // Long enough that a masked hint (a few characters at each end) cannot be the secret itself.
  const secrets = {
    clientSecret: 'zoom-client-secret-7f3a9c2e51b04d8e',
    webhookSecretToken: 'zoom-webhook-token-0c9d8e7f6a5b4c3d',
    yandexAccess: 'y0_yandex-access-token-4a4b4c4d4e4f',
    yandexRefresh: '1:yandex-refresh-token-9z8y7x6w5v4u',
    youtubeAccess: 'ya29.youtube-access-token-1q2w3e4r5t',
    youtubeRefresh: '1//youtube-refresh-token-6y7u8i9o0p',
    replaced: 'zoom-client-secret-replaced-abcdef0123',
  };

  beforeAll(async () => {
    world = await createServiceWorld('credentials', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false', LOG_LEVEL: 'debug' }));
    const keyrings = { CREDENTIALS_KEYRING: KEYRING, CREDENTIALS_TRANSIT_KEYRING: world.env.CREDENTIALS_TRANSIT_KEYRING };
    const publishing = await world.start(publishingService, { env: keyrings });
    const ingest = await world.start(ingestService, { env: { ...keyrings, RETENTION_SWEEP_INTERVAL: '0ms', STUCK_SWEEP_INTERVAL: '0ms' } });
    ingestDb = ingest.app.get(DataSource);
    const gateway = await startGateway(world);
    // Every log line of the three services from here on (debug level and up).
    for (const app of [publishing.app, ingest.app, gateway.app]) app.get<Logger>(SERVICE_LOGGER).add(logs.transport);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(client, gateway.db, 'bob@example.org');

    // Every credential query and every event, as the broker carries them.
    tap = await amqp.connect(world.vhost.url);
    const channel = await tap.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true });
    const queries = [
      ...Object.values(MESSAGE_TYPES.ingest).filter((t) => t.includes('credential')),
      ...Object.values(MESSAGE_TYPES.publishing).filter((t) => t.includes('credential')),
    ];
    for (const type of queries) await channel.bindQueue(queue, type.startsWith('ingest.') ? 'ingest.commands' : 'publishing.commands', type);
    for (const exchange of ['ingest.events', 'publishing.events', 'gateway.events']) await channel.bindQueue(queue, exchange, '#');
    await channel.consume(queue, (message) => message && onBus.push(message.content.toString('utf8')), { noAck: true });
  }, 300_000);

  afterAll(async () => {
    await tap?.close().catch(() => undefined);
    await world?.close();
  });

  it('keeps each platform with its owner, lists them with masked hints, changes and deletes them', async () => {
    const zoom = await call('POST', '/api/v1/credentials', {
      token: alice.token,
      json: { platform: 'zoom', accountName: 'school-zoom', credentials: { accountId: 'acc-42', clientId: 'zoom-client-id-1234', clientSecret: secrets.clientSecret, webhookSecretToken: secrets.webhookSecretToken } },
    });
    expect(zoom.status).toBe(201);
    expect(zoom.body).toEqual({
      id: expect.any(String),
      platform: 'zoom',
      purpose: 'input',
      kind: 'server_to_server',
      accountName: 'school-zoom',
      hints: { accountId: expect.stringContaining('…'), clientId: 'zoo…1234', clientSecret: 'zoo…4d8e', webhookSecretToken: 'zoo…4c3d' },
      needsReauth: false,
      isActive: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      lastUsedAt: null,
    });
    const yandex = await call('POST', '/api/v1/credentials', {
      token: alice.token,
      json: { platform: 'yandex_disk', purpose: 'input', accountName: 'archive@yandex.ru', credentials: { accessToken: secrets.yandexAccess, refreshToken: secrets.yandexRefresh } },
    });
    expect(yandex.status).toBe(201);
    expect(yandex.body).toMatchObject({ platform: 'yandex_disk', purpose: 'input', kind: 'oauth' });
    const youtube = await call('POST', '/api/v1/credentials', {
      token: alice.token,
      json: { platform: 'youtube', accountName: 'teacher@example.org', credentials: { accessToken: secrets.youtubeAccess, refreshToken: secrets.youtubeRefresh } },
    });
    expect(youtube.status).toBe(201);
    expect(youtube.body).toMatchObject({ platform: 'youtube', purpose: 'output', hints: { accessToken: 'ya2…4r5t', refreshToken: '1//…9o0p' } });

    // Ingest keeps its own, sealed.
    const [row] = await ingestDb.query(`SELECT sealed_data FROM source_credentials WHERE id = $1`, [zoom.body.id]);
    expect(row.sealed_data).toMatch(/^v1\.k1\./);
    expect(row.sealed_data).not.toContain(secrets.clientSecret);

    const list = await call('GET', '/api/v1/credentials', { token: alice.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([youtube.body.id, yandex.body.id, zoom.body.id]);
    expect(list.body.total).toBe(3);
    const zoomOnly = await call('GET', '/api/v1/credentials?platform=zoom', { token: alice.token });
    expect(zoomOnly.body.items.map((c: { id: string }) => c.id)).toEqual([zoom.body.id]);
    const searched = await call('GET', '/api/v1/credentials?search=ARCHIVE', { token: alice.token });
    expect(searched.body.items.map((c: { id: string }) => c.id)).toEqual([yandex.body.id]);

    const status = await call('GET', '/api/v1/credentials/status', { token: alice.token });
    expect(status.body.platforms).toEqual({
      zoom: { connected: true, count: 1, needsReauth: false },
      youtube: { connected: true, count: 1, needsReauth: false },
      vk_video: { connected: false, count: 0, needsReauth: false },
      yandex_disk: { connected: true, count: 1, needsReauth: false },
    });

    const got = await call('GET', `/api/v1/credentials/${zoom.body.id}`, { token: alice.token });
    expect(got.body).toEqual(zoom.body);
    // Another user's credential does not exist for them.
    expectProblem(await call('GET', `/api/v1/credentials/${zoom.body.id}`, { token: bob.token }), 404, 'CREDENTIAL.NOT_FOUND');
    expectProblem(await call('DELETE', `/api/v1/credentials/${youtube.body.id}`, { token: bob.token }), 404, 'CREDENTIAL.NOT_FOUND');
    expectProblem(await call('GET', '/api/v1/credentials/not-an-id', { token: alice.token }), 404, 'CREDENTIAL.NOT_FOUND');
    expect((await call('GET', '/api/v1/credentials', { token: bob.token })).body.total).toBe(0);

    // needs_reauth is visible, and new fields clear it.
    await ingestDb.query(`UPDATE source_credentials SET needs_reauth = true WHERE id = $1`, [zoom.body.id]);
    expect((await call('GET', `/api/v1/credentials/${zoom.body.id}`, { token: alice.token })).body.needsReauth).toBe(true);
    expect((await call('GET', '/api/v1/credentials/status', { token: alice.token })).body.platforms.zoom).toEqual({ connected: false, count: 1, needsReauth: true });
    const patched = await call('PATCH', `/api/v1/credentials/${zoom.body.id}`, {
      token: alice.token,
      json: { accountName: 'school-zoom-2', credentials: { accountId: 'acc-42', clientId: 'zoom-client-id-1234', clientSecret: secrets.replaced } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ accountName: 'school-zoom-2', needsReauth: false, hints: { clientSecret: 'zoo…0123' } });
    expect(patched.body.hints.webhookSecretToken).toBeUndefined();
    const paused = await call('PATCH', `/api/v1/credentials/${youtube.body.id}`, { token: alice.token, json: { isActive: false } });
    expect(paused.body).toMatchObject({ id: youtube.body.id, isActive: false });

    // Each platform's schema.
    expectProblem(await call('PATCH', `/api/v1/credentials/${zoom.body.id}`, { token: alice.token, json: { credentials: { accountId: 'a' } } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'zoom', accountName: 'x', credentials: { clientSecret: 'only' } } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'zoom', accountName: 'x', purpose: 'output', credentials: { accessToken: 'a' } } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'youtube', accountName: 'x', purpose: 'input', credentials: { accessToken: 'a' } } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'yandex_disk', accountName: 'x', purpose: 'input', credentials: { token: 'a' } } }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', '/api/v1/credentials?platform=dropbox', { token: alice.token }), 400, 'VALIDATION.FAILED');

    expect((await call('DELETE', `/api/v1/credentials/${zoom.body.id}`, { token: alice.token })).status).toBe(204);
    expect((await call('DELETE', `/api/v1/credentials/${youtube.body.id}`, { token: alice.token })).status).toBe(204);
    expectProblem(await call('GET', `/api/v1/credentials/${zoom.body.id}`, { token: alice.token }), 404, 'CREDENTIAL.NOT_FOUND');
    expect((await call('GET', '/api/v1/credentials', { token: alice.token })).body.items.map((c: { id: string }) => c.id)).toEqual([yandex.body.id]);

    // Nothing of any secret in what was answered, logged or sent.
    await eventually(() => expect(onBus.some((m) => m.includes('school-zoom'))).toBe(true));
    const answers = JSON.stringify([zoom.body, yandex.body, youtube.body, list.body, got.body, patched.body, paused.body, status.body]);
    for (const secret of Object.values(secrets)) {
      expect(answers).not.toContain(secret);
      expect(logs.lines.join('\n')).not.toContain(secret);
      expect(onBus.join('\n')).not.toContain(secret);
    }
    expect(logs.lines.length).toBeGreaterThan(0);
  });
});
