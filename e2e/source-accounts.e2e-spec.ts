import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { ingestService } from '@leap/ingest-service';
import { createMemoryTransport } from '@leap/logging';
import { SERVICE_LOGGER, type RunningService } from '@leap/platform';
import { publishingService } from '@leap/publishing-service';
import { parseKeyring } from '@leap/secrets';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, freePort, startFakeYandexDisk, startFakeZoom, type FakeYandexDisk, type FakeZoom } from '@leap/testing';
import { parseYandexDiskSourceConfig, YandexDiskSource } from '../services/ingest/src/sources/yandex-disk';
import { expectProblem, gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account, type RunningGateway } from '../services/gateway/src/testing';

const KEYRING = `k1:${'6'.repeat(64)}`;
const MB = 1024 * 1024;
const DAY = 86_400_000;

/**
 * Connecting source accounts with OAuth through the gateway: Zoom (user OAuth, the code exchanged
 * by ingest with the app's id and secret) and Yandex Disk as an input (PKCE, the account picker),
 * each kept by ingest as a source credential that then works (a Zoom source synced and its
 * recording downloaded with it; the Yandex folder listed with it). The gateway, ingest and
 * publishing on the real broker and database, against the fake Zoom and Yandex servers.
 */
describe('connecting source accounts (Zoom, Yandex Disk) with OAuth', () => {
  let world: ServiceWorld;
  let zoom: FakeZoom;
  let yandex: FakeYandexDisk;
  let gateway: RunningGateway;
  let ingest: RunningService;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let work: string;
  const logs = createMemoryTransport();
  const answers: unknown[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leap-source-accounts-'));
    zoom = await startFakeZoom();
    yandex = await startFakeYandexDisk();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    world = await createServiceWorld(
      'source_accounts',
      gatewayTestEnv({
        AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
        LOG_LEVEL: 'debug',
        PUBLIC_BASE_URL: base,
        ZOOM_CLIENT_ID: zoom.clientId,
        ZOOM_OAUTH_BASE_URL: zoom.oauthBaseUrl,
        YANDEX_CLIENT_ID: yandex.clientId,
        YANDEX_OAUTH_BASE_URL: yandex.oauthBaseUrl,
      }),
    );
    const keyrings = { CREDENTIALS_KEYRING: KEYRING, CREDENTIALS_TRANSIT_KEYRING: world.env.CREDENTIALS_TRANSIT_KEYRING };
    const publishing = await world.start(publishingService, { env: keyrings });
    ingest = await world.start(ingestService, {
      env: {
        ...keyrings,
        ZOOM_API_BASE_URL: zoom.apiBaseUrl,
        ZOOM_CLIENT_SECRET: zoom.clientSecret,
        YANDEX_CLIENT_SECRET: yandex.clientSecret,
        YANDEX_DISK_API_BASE_URL: yandex.apiBaseUrl,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        INGEST_DOWNLOAD_DIR: join(work, 'downloads'),
        RETENTION_SWEEP_INTERVAL: '0ms',
        STUCK_SWEEP_INTERVAL: '0ms',
      },
    });
    gateway = await startGateway(world, { port });
    // Every log line of the three services from here on (debug level and up).
    for (const app of [publishing.app, ingest.app, gateway.app]) app.get<Logger>(SERVICE_LOGGER).add(logs.transport);
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await zoom?.close();
    await yandex?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function authorize(platform: string, query = ''): Promise<URL> {
    const reply = await call('GET', `/api/v1/oauth/${platform}/authorize${query}`, { token: alice.token });
    expect(reply.status).toBe(200);
    answers.push(reply.body);
    return new URL(reply.body.authorizationUrl);
  }

  /** What the browser does: opens the consent URL; the fake platform consents and sends it back to the gateway's callback. */
  async function consent(authorizationUrl: URL): Promise<{ status: number; body: any; callbackUrl: URL }> {
    const atPlatform = await fetch(authorizationUrl, { redirect: 'manual' });
    expect(atPlatform.status).toBe(302);
    const callbackUrl = new URL(atPlatform.headers.get('location')!);
    expect(callbackUrl.toString().startsWith(`${base}/api/v1/oauth/`)).toBe(true);
    const back = await call('GET', callbackUrl.pathname + callbackUrl.search);
    answers.push(back.body);
    return { status: back.status, body: back.body, callbackUrl };
  }

  const ingestDb = () => ingest.app.get(DataSource);
  const sourceRow = async (id: string) =>
    (await ingestDb().query(`SELECT needs_reauth, sealed_data FROM source_credentials WHERE id = $1`, [id]))[0] as { needs_reauth: boolean; sealed_data: string };
  /** The stored fields, opened with the at-rest keyring (what only ingest can do). */
  const storedFields = async (id: string) => parseKeyring(KEYRING).decryptJson<{ accessToken: string; refreshToken?: string; expiresAt?: string }>((await sourceRow(id)).sealed_data, `credential:${id}`);
  const masked = expect.stringMatching(/^.{1,4}….{1,4}$/);

  it('connects a Zoom account: the code exchanged by ingest, the account named by its e-mail; the credential syncs a source and downloads with its token, refreshed with the app', async () => {
    zoom.signInAs({ id: 'zu-ada', email: 'ada@zoom.example', firstName: 'Ada', lastName: 'Lovelace' });
    const url = await authorize('zoom');
    expect(url.origin + url.pathname).toBe(`${zoom.oauthBaseUrl}/oauth/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ response_type: 'code', client_id: zoom.clientId, redirect_uri: `${base}/api/v1/oauth/zoom/callback`, state: expect.any(String) });

    const connected = await consent(url);
    expect(connected.status).toBe(200);
    expect(connected.body).toEqual({
      created: true,
      credential: {
        id: expect.any(String),
        platform: 'zoom',
        purpose: 'input',
        kind: 'oauth',
        accountName: 'ada@zoom.example',
        hints: { accessToken: masked, refreshToken: masked, expiresAt: expect.any(String) },
        needsReauth: false,
        isActive: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lastUsedAt: null,
      },
    });
    expect(zoom.stats.codeExchanges).toBe(1);
    const id = connected.body.credential.id;
    // The same callback again: the state was used.
    expectProblem(await call('GET', connected.callbackUrl.pathname + connected.callbackUrl.search), 400, 'OAUTH.STATE_INVALID');

    // The credential works: a ZOOM source with it lists the account's recordings and downloads the best file with its token.
    zoom.addMeeting('me', {
      uuid: 'oauth-lecture==',
      id: 81234,
      topic: 'Compilers lecture',
      hostId: 'zu-ada',
      startTime: new Date(Date.now() - 2 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      duration: 80,
      files: [{ id: 'oauth-lecture-screen', fileType: 'MP4', recordingType: 'shared_screen_with_speaker_view', bytes: Buffer.alloc(26 * MB, 5) }],
    });
    const source = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Ada Zoom', platform: 'ZOOM', credentialId: id, config: { autoRun: true } } });
    expect(source.status).toBe(201);
    const sync = async () => {
      const started = await call('POST', `/api/v1/sources/${source.body.id}/sync`, { token: alice.token, json: { fromDate: new Date(Date.now() - 7 * DAY).toISOString().slice(0, 10) } });
      expect(started.status).toBe(202);
      return eventually(
        async () => {
          const state = await call('GET', `/api/v1/sources/syncs/${started.body.id}`, { token: alice.token });
          expect(['SUCCEEDED', 'FAILED']).toContain(state.body.status);
          return state.body;
        },
        { timeoutMs: 60_000 },
      );
    };
    expect(await sync()).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 1 });
    await eventually(
      async () => {
        const page = await call('GET', '/api/v1/recordings', { token: alice.token });
        const lecture = page.body.items.find((r: { title: string }) => r.title === 'Compilers lecture');
        expect(lecture).toBeDefined();
        const detail = await call('GET', `/api/v1/recordings/${lecture.id}`, { token: alice.token });
        expect(detail.body.sizeBytes).toBe(26 * MB);
      },
      { timeoutMs: 120_000 },
    );

    // Zoom stops taking the access token: ingest refreshes it with ZOOM_CLIENT_ID/SECRET (the credential holds no app secret) and the sync goes on.
    const before = await storedFields(id);
    expect(Object.keys(before).sort()).toEqual(['accessToken', 'expiresAt', 'refreshToken']);
    zoom.expire(before.accessToken);
    expect(await sync()).toMatchObject({ status: 'SUCCEEDED', found: 1 });
    const after = await storedFields(id);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);

    // Zoom refused it later: connecting the same account again replaces its tokens and clears needsReauth, no duplicate.
    await ingestDb().query(`UPDATE source_credentials SET needs_reauth = true WHERE id = $1`, [id]);
    zoom.signInAs({ id: 'zu-ada', email: 'ada@zoom.example', firstName: 'Ada', lastName: 'Lovelace' });
    const again = await consent(await authorize('zoom'));
    expect(again.body).toMatchObject({ created: false, credential: { id, needsReauth: false, accountName: 'ada@zoom.example' } });
    expect((await sourceRow(id)).needs_reauth).toBe(false);
    const zoomCredentials = (await call('GET', '/api/v1/credentials?platform=zoom', { token: alice.token })).body.items;
    expect(zoomCredentials.map((c: { id: string }) => c.id)).toEqual([id]);

    // Nothing of the app secret or the tokens in an answer or a log line.
    const secrets = [zoom.clientSecret, connected.callbackUrl.searchParams.get('code')!, before.accessToken, before.refreshToken!, after.accessToken, after.refreshToken!, (await storedFields(id)).accessToken];
    const answered = JSON.stringify(answers);
    const logged = logs.lines.join('\n');
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(answered).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  }, 300_000);

  it('connects a Yandex Disk account as an input by default (PKCE, the account picker), named by its login; the credential lists its folder; connecting it again clears needsReauth', async () => {
    const { account } = yandex.grant('lecturer-ya');
    yandex.putFile(account, '/Lectures/week-1.mp4', Buffer.alloc(4096, 1));
    yandex.putFile(account, '/Lectures/notes.txt', Buffer.from('notes'));
    yandex.signInAs(account);

    const url = await authorize('yandex_disk');
    expect(url.origin + url.pathname).toBe(`${yandex.oauthBaseUrl}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: yandex.clientId,
      redirect_uri: `${base}/api/v1/oauth/yandex_disk/callback`,
      state: expect.any(String),
      force_confirm: 'yes',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    const exchanges = yandex.stats.codeExchanges;
    const connected = await consent(url);
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({
      created: true,
      credential: { platform: 'yandex_disk', purpose: 'input', kind: 'oauth', accountName: 'lecturer-ya', needsReauth: false, hints: { accessToken: masked, refreshToken: masked } },
    });
    // The fake checked the PKCE verifier against the challenge.
    expect(yandex.stats.codeExchanges - exchanges).toBe(1);
    const id = connected.body.credential.id;

    // The credential works: ingest's Yandex Disk source lists the account's folder with it.
    const tokens = await storedFields(id);
    const items = await ingest.app.get(YandexDiskSource).list(parseYandexDiskSourceConfig({ folderPath: '/Lectures' }), { tokens: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken } });
    expect(items.map((i) => i.name)).toEqual(['week-1.mp4']);

    await ingestDb().query(`UPDATE source_credentials SET needs_reauth = true WHERE id = $1`, [id]);
    const again = await consent(await authorize('yandex_disk', '?purpose=input'));
    expect(again.body).toMatchObject({ created: false, credential: { id, needsReauth: false } });
    expect((await sourceRow(id)).needs_reauth).toBe(false);
    // A second Yandex account is a second credential.
    yandex.signInAs(undefined);
    const second = await consent(await authorize('yandex_disk'));
    expect(second.body).toMatchObject({ created: true, credential: { purpose: 'input' } });
    expect(second.body.credential.id).not.toBe(id);

    const answered = JSON.stringify(answers);
    for (const secret of [yandex.clientSecret, tokens.accessToken, tokens.refreshToken!]) {
      expect(answered).not.toContain(secret);
      expect(logs.lines.join('\n')).not.toContain(secret);
    }
  }, 300_000);

  it('refuses forged, expired, reused and cross-platform states, an unknown code, a purpose the platform does not serve, and a platform the server has no app for', async () => {
    const url = await authorize('zoom');
    const state = url.searchParams.get('state')!;
    const [nonce] = state.split('.');
    const callback = (platform: string, query: Record<string, string>) => call('GET', `/api/v1/oauth/${platform}/callback?${new URLSearchParams(query)}`);
    expectProblem(await callback('zoom', { code: 'x', state: `${nonce}.forged` }), 400, 'OAUTH.STATE_INVALID');
    // A Zoom state does not open the Yandex callback (the signature covers the platform and the purpose).
    expectProblem(await callback('yandex_disk', { code: 'x', state }), 400, 'OAUTH.STATE_INVALID');
    // A code Zoom never issued: ingest's exchange is refused, and the state is used up.
    expectProblem(await callback('zoom', { code: 'zcode-unknown', state }), 422, 'OAUTH.EXCHANGE_FAILED');
    expectProblem(await callback('zoom', { code: 'zcode-unknown', state }), 400, 'OAUTH.STATE_INVALID');

    const late = await authorize('yandex_disk');
    const [lateNonce] = late.searchParams.get('state')!.split('.');
    await gateway.db.query(`UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [lateNonce]);
    expectProblem(await callback('yandex_disk', { code: yandex.code(), state: late.searchParams.get('state')! }), 400, 'OAUTH.STATE_INVALID');

    const denied = await authorize('yandex_disk', '?purpose=output');
    expectProblem(await callback('yandex_disk', { error: 'access_denied', state: denied.searchParams.get('state')! }), 400, 'OAUTH.DENIED');

    expectProblem(await call('GET', '/api/v1/oauth/zoom/authorize?purpose=output', { token: alice.token }), 400, 'VALIDATION.FAILED');
    expectProblem(await call('GET', '/api/v1/oauth/yandex_disk/authorize?purpose=archive', { token: alice.token }), 400, 'VALIDATION.FAILED');

    // A gateway of the same deployment with no Zoom or Yandex app: connects are off, with a clear problem.
    const bare = await startGateway(world, { env: { ZOOM_CLIENT_ID: '', YANDEX_CLIENT_ID: '' } });
    for (const platform of ['zoom', 'yandex_disk']) {
      const reply = await bare.client.call('GET', `/api/v1/oauth/${platform}/authorize`, { token: alice.token });
      expectProblem(reply, 503, 'OAUTH.NOT_CONFIGURED');
      expect(reply.body.detail).toContain(platform);
    }
  }, 300_000);
});
