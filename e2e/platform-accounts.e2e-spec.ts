import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MessageBus, type UntypedMessages } from '@leap/messaging';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { publishingService } from '@leap/publishing-service';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { eventually, freePort, startFakeVk, startFakeYandexDisk, startFakeYoutube, type FakeVk, type FakeYandexDisk, type FakeYoutube } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, ingestStandIn, startGateway, verifiedUser, type Account, type RunningGateway } from '../services/gateway/src/testing';

/**
 * Connecting YouTube, VK and Yandex Disk (output) accounts with OAuth through the gateway (signed
 * single-use state, PKCE for VK ID and Yandex), publishing to VK, YouTube and Yandex Disk with them
 * (per-account circuit), and retracting: the gateway, the publishing service and the fake Google,
 * YouTube, VK and Yandex servers, on the real broker and database.
 */
describe('connecting platform accounts and publishing to VK', () => {
  let world: ServiceWorld;
  let youtube: FakeYoutube;
  let vk: FakeVk;
  let yandex: FakeYandexDisk;
  let gateway: RunningGateway;
  let publishing: RunningService;
  let base = '';
  const { call } = httpClient(() => base);
  let alice: Account;
  let bob: Account;
  let ingestBus: MessageBus<UntypedMessages>;
  let ingestDb: DataSource;
  let store: LocalObjectStore;

  beforeAll(async () => {
    youtube = await startFakeYoutube();
    vk = await startFakeVk();
    yandex = await startFakeYandexDisk();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    world = await createServiceWorld(
      'accounts',
      gatewayTestEnv({
        AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
        PUBLIC_BASE_URL: base,
        GOOGLE_CLIENT_ID: youtube.clientId,
        GOOGLE_ACCOUNTS_BASE_URL: youtube.accountsBaseUrl,
        VK_CLIENT_ID: vk.clientId,
        VK_ID_BASE_URL: vk.idBaseUrl,
        VK_OAUTH_BASE_URL: vk.oauthBaseUrl,
        YANDEX_CLIENT_ID: yandex.clientId,
        YANDEX_OAUTH_BASE_URL: yandex.oauthBaseUrl,
      }),
    );
    publishing = await world.start(publishingService, {
      env: {
        CREDENTIALS_KEYRING: `k1:${'1'.repeat(64)}`,
        GOOGLE_OAUTH_BASE_URL: youtube.oauthBaseUrl,
        YOUTUBE_API_BASE_URL: youtube.apiBaseUrl,
        YOUTUBE_UPLOAD_BASE_URL: youtube.uploadBaseUrl,
        GOOGLE_CLIENT_SECRET: youtube.clientSecret,
        VK_API_BASE_URL: vk.apiBaseUrl,
        YANDEX_CLIENT_SECRET: yandex.clientSecret,
        YANDEX_DISK_API_BASE_URL: yandex.apiBaseUrl,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        // A circuit that opens soon and closes soon, and retries close together: without it they would use up the attempts.
        PLATFORM_BREAKER_THRESHOLD: '2',
        PLATFORM_BREAKER_COOLDOWN: '3s',
        JOBS_RETRY_BACKOFF: '200ms',
        JOBS_MAX_ATTEMPTS: '6',
      },
    });
    // Uploads by hand ask ingest for the recording's config: none here but the presets'.
    const ingest = await world.start(ingestStandIn(() => undefined, { resolveConfig: () => ({ effective: { processing: {}, metadata: {}, output: {} } }) }));
    ingestBus = ingest.app.get(MessageBus);
    ingestDb = ingest.app.get(DataSource);
    store = new LocalObjectStore(world.storageRoot);
    gateway = await startGateway(world, { port });
    alice = await verifiedUser(gateway.client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(gateway.client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await youtube?.close();
    await vk?.close();
    await yandex?.close();
  });

  /** What the browser does: opens the consent URL; the fake platform consents and sends it back to the gateway's callback. */
  async function consent(authorizationUrl: string): Promise<{ status: number; body: any; callbackUrl: string }> {
    const atPlatform = await fetch(authorizationUrl, { redirect: 'manual' });
    const callbackUrl = atPlatform.headers.get('location')!;
    expect(callbackUrl.startsWith(`${base}/api/v1/oauth/`)).toBe(true);
    const back = await fetch(callbackUrl);
    const text = await back.text();
    return { status: back.status, body: text ? JSON.parse(text) : undefined, callbackUrl };
  }

  async function authorize(platform: string, account: Account = alice): Promise<string> {
    const reply = await call('GET', `/api/v1/oauth/${platform}/authorize`, { token: account.token });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ authorizationUrl: expect.any(String), expiresAt: expect.any(String) });
    return reply.body.authorizationUrl;
  }

  const credentialRow = async (id: string) => (await publishing.app.get(DataSource).query(`SELECT needs_reauth, sealed_tokens FROM platform_credentials WHERE id = $1`, [id]))[0];

  it('connects a YouTube account with offline access; the state works once, and connecting the same account again clears needsReauth', async () => {
    youtube.signInAs('lecturer@example.org');
    const url = await authorize('youtube');
    const asked = new URL(url);
    expect(asked.origin + asked.pathname).toBe(`${youtube.accountsBaseUrl}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({ client_id: youtube.clientId, access_type: 'offline', response_type: 'code', redirect_uri: `${base}/api/v1/oauth/youtube/callback` });
    expect(asked.searchParams.get('scope')).toContain('youtube.upload');

    const connected = await consent(url);
    expect(connected.status).toBe(200);
    expect(connected.body).toEqual({
      created: true,
      credential: {
        id: expect.any(String),
        platform: 'youtube',
        purpose: 'output',
        kind: 'oauth',
        accountName: 'lecturer@example.org',
        // Masked hints only: a few characters of each token, never the token.
        hints: { accessToken: expect.stringMatching(/^.{1,4}….{1,4}$/), refreshToken: expect.stringMatching(/^.{1,4}….{1,4}$/) },
        needsReauth: false,
        isActive: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        lastUsedAt: null,
      },
    });
    const id = connected.body.credential.id;
    // The tokens are kept encrypted, and never answered (a hint shows three characters, then an ellipsis).
    expect(JSON.stringify(connected.body)).not.toMatch(/ya29\.|1\/\/[^…]/);
    expect((await credentialRow(id)).sealed_tokens).not.toMatch(/ya29\./);

    // The same callback again: the state was used.
    expectProblem(await call('GET', new URL(connected.callbackUrl).pathname + new URL(connected.callbackUrl).search), 400, 'OAUTH.STATE_INVALID');

    // The platform refused the tokens later; connecting the same account again clears it.
    await publishing.app.get(DataSource).query(`UPDATE platform_credentials SET needs_reauth = true WHERE id = $1`, [id]);
    youtube.signInAs('lecturer@example.org');
    const again = await consent(await authorize('youtube'));
    expect(again.body).toMatchObject({ created: false, credential: { id, needsReauth: false } });
    expect((await credentialRow(id)).needs_reauth).toBe(false);
    // A second Google account is a second credential.
    youtube.signInAs('assistant@example.org');
    const second = await consent(await authorize('youtube'));
    expect(second.body).toMatchObject({ created: true, credential: { accountName: 'assistant@example.org' } });
    expect(second.body.credential.id).not.toBe(id);
  });

  it('refuses a forged, expired or unknown state, a denied consent, and an unknown platform, with stable codes', async () => {
    const url = new URL(await authorize('youtube'));
    const state = url.searchParams.get('state')!;
    const [nonce] = state.split('.');
    const callback = (query: Record<string, string>) => call('GET', `/api/v1/oauth/youtube/callback?${new URLSearchParams(query)}`);
    expectProblem(await callback({ code: 'x', state: `${nonce}.forged` }), 400, 'OAUTH.STATE_INVALID');
    expectProblem(await callback({ code: 'x' }), 400, 'OAUTH.STATE_INVALID');
    // A state of one platform does not open another's callback.
    expectProblem(await call('GET', `/api/v1/oauth/vk/callback?${new URLSearchParams({ code: 'x', state, device_id: 'd' })}`), 400, 'OAUTH.STATE_INVALID');
    await gateway.db.query(`UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE nonce = $1`, [nonce]);
    expectProblem(await callback({ code: 'x', state }), 400, 'OAUTH.STATE_INVALID');

    const denied = new URL(await authorize('youtube'));
    expectProblem(await callback({ error: 'access_denied', state: denied.searchParams.get('state')! }), 400, 'OAUTH.DENIED');
    // A code Google does not know: the exchange is refused.
    const unknownCode = new URL(await authorize('youtube'));
    expectProblem(await callback({ code: '4/0unknown', state: unknownCode.searchParams.get('state')! }), 422, 'OAUTH.EXCHANGE_FAILED');

    expectProblem(await call('GET', '/api/v1/oauth/tiktok/authorize', { token: alice.token }), 404, 'OAUTH.PLATFORM_UNKNOWN');
    expect((await call('GET', '/api/v1/oauth/youtube/authorize')).status).toBe(401);
    const redirect = await fetch(`${base}/api/v1/oauth/vk/authorize?redirect=true`, { headers: { authorization: `Bearer ${alice.token}` }, redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(new RegExp(`^${vk.idBaseUrl}/authorize\\?`));
  });

  it('with OAUTH_RETURN_URL the callback sends the browser back to the app with the outcome', async () => {
    // A second gateway of the same deployment, with a return URL; states are shared through the database.
    const app = 'https://app.example.org/settings/accounts';
    const second = await startGateway(world, { env: { OAUTH_RETURN_URL: app } });
    const authorized = await second.client.call('GET', '/api/v1/oauth/youtube/authorize', { token: alice.token });
    youtube.signInAs('returning@example.org');
    const callback = new URL((await fetch(authorized.body.authorizationUrl, { redirect: 'manual' })).headers.get('location')!);
    const atSecond = `${second.base}${callback.pathname}${callback.search}`;
    const done = await fetch(atSecond, { redirect: 'manual' });
    expect(done.status).toBe(302);
    const back = new URL(done.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(app);
    expect(Object.fromEntries(back.searchParams)).toEqual({ platform: 'youtube', purpose: 'output', status: 'connected', credentialId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const replayed = new URL((await fetch(atSecond, { redirect: 'manual' })).headers.get('location')!);
    expect(Object.fromEntries(replayed.searchParams)).toEqual({ platform: 'youtube', status: 'error', code: 'OAUTH.STATE_INVALID' });
  });

  it('connects a VK account through VK ID with PKCE, and one from a pasted implicit-flow address', async () => {
    const user = vk.signInAs({ firstName: 'Анна', lastName: 'Смирнова' });
    const url = new URL(await authorize('vk'));
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const exchanges = vk.stats.tokenExchanges;
    const connected = await consent(url.toString());
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ created: true, credential: { platform: 'vk_video', accountName: String(user.userId), needsReauth: false } });
    // The fake checked the verifier against the challenge.
    expect(vk.stats.tokenExchanges - exchanges).toBe(1);

    const implicit = await call('GET', '/api/v1/oauth/vk/authorize/implicit', { token: alice.token });
    expect(implicit.status).toBe(200);
    expect(new URL(implicit.body.authorizationUrl).searchParams.get('response_type')).toBe('token');
    const landed = (await fetch(implicit.body.authorizationUrl, { redirect: 'manual' })).headers.get('location')!;
    expect(landed).toContain('#access_token=');
    const pasted = await call('POST', '/api/v1/oauth/vk/authorize/implicit', { token: alice.token, json: { redirectUrl: landed } });
    expect(pasted.status).toBe(201);
    expect(pasted.body).toMatchObject({ created: true, credential: { platform: 'vk_video', accountName: new URLSearchParams(new URL(landed).hash.slice(1)).get('user_id') } });
    expect(pasted.text).not.toContain('vk1.a.');
    expectProblem(await call('POST', '/api/v1/oauth/vk/authorize/implicit', { token: alice.token, json: { redirectUrl: 'https://oauth.vk.com/blank.html#error=access_denied' } }), 422, 'OAUTH.IMPLICIT_INVALID');
    expectProblem(await call('POST', '/api/v1/oauth/vk/authorize/implicit', { token: alice.token, json: {} }), 400, 'VALIDATION.FAILED');
  });

  /** A recording the gateway's read model knows, its source in storage. */
  async function recording(owner: Account, title: string): Promise<string> {
    const recordingId = randomUUID();
    const key = storageKeys.source(owner.id, recordingId, 'mp4');
    const stored = await store.put(key, Buffer.alloc(64 * 1024, 7), { contentType: 'video/mp4' });
    await ingestDb.transaction((m) =>
      ingestBus.publish(
        m,
        'ingest.recording.registered.v1',
        {
          recordingId,
          userId: owner.id,
          sourceType: 'SOURCE_TYPE_UPLOAD',
          title,
          source: { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'video/mp4', kind: 'OBJECT_KIND_SOURCE' },
          status: 'RECORDING_STATUS_DOWNLOADED',
          registeredAt: new Date().toISOString(),
        },
        { subject: recordingId, tenant: owner.id },
      ),
    );
    await eventually(async () => expect((await call('GET', `/api/v1/recordings/${recordingId}`, { token: owner.token })).status).toBe(200), { timeoutMs: 20_000 });
    return recordingId;
  }

  async function connectVk(owner: Account): Promise<{ credentialId: string; userId: number }> {
    const user = vk.signInAs({});
    const connected = await consent(await authorize('vk', owner));
    return { credentialId: connected.body.credential.id, userId: user.userId };
  }

  async function vkPreset(owner: Account, credentialId: string, metadata: Record<string, unknown>): Promise<string> {
    const reply = await call('POST', '/api/v1/presets', { token: owner.token, json: { name: `VK ${randomUUID()}`, platform: 'vk_video', credentialId, metadata } });
    expect(reply.status).toBe(201);
    return reply.body.id;
  }

  it('connects a Yandex Disk account as an output (purpose=output, kept by publishing) and publishes to it; connecting it again clears needsReauth', async () => {
    const { account } = yandex.grant('archive-ya');
    yandex.signInAs(account);
    const reply = await call('GET', '/api/v1/oauth/yandex_disk/authorize?purpose=output', { token: bob.token });
    expect(reply.status).toBe(200);
    const url = new URL(reply.body.authorizationUrl);
    expect(url.origin + url.pathname).toBe(`${yandex.oauthBaseUrl}/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const connected = await consent(url.toString());
    expect(connected.status).toBe(200);
    expect(connected.body).toMatchObject({ created: true, credential: { platform: 'yandex_disk', purpose: 'output', kind: 'oauth', accountName: 'archive-ya', needsReauth: false } });
    const credentialId = connected.body.credential.id;
    expect(JSON.stringify(connected.body)).not.toContain(yandex.clientSecret);

    // The credential works: a recording published with a preset that uses it lands on that account's disk.
    const recordingId = await recording(bob, 'Linear algebra');
    const preset = await call('POST', '/api/v1/presets', {
      token: bob.token,
      json: { name: `Archive ${randomUUID()}`, platform: 'yandex_disk', credentialId, metadata: { folderPathTemplate: '/Lectures', filenameTemplate: '{{ display_name }}' } },
    });
    expect(preset.status).toBe(201);
    const started = await call('POST', `/api/v1/recordings/${recordingId}/upload/yandex_disk`, { token: bob.token, json: { presetId: preset.body.id } });
    expect(started.status).toBe(202);
    await eventually(
      async () => {
        const items = await targetsOf(bob, recordingId);
        expect(items.map((t: { status: string }) => t.status)).toEqual(['PUBLISHED']);
      },
      { timeoutMs: 60_000 },
    );
    expect(yandex.file(account, '/Lectures/Linear algebra.mp4')?.size).toBe(64 * 1024);

    await publishing.app.get(DataSource).query(`UPDATE platform_credentials SET needs_reauth = true WHERE id = $1`, [credentialId]);
    const again = await consent((await call('GET', '/api/v1/oauth/yandex_disk/authorize?purpose=output', { token: bob.token })).body.authorizationUrl);
    expect(again.body).toMatchObject({ created: false, credential: { id: credentialId, purpose: 'output', needsReauth: false } });
    expect((await credentialRow(credentialId)).needs_reauth).toBe(false);
  });

  const targetsOf = async (owner: Account, recordingId: string) => (await call('GET', `/api/v1/recordings/${recordingId}/targets`, { token: owner.token })).body.items;

  it('publishes to VK through POST /recordings/{id}/upload/vk_video: video.save with the rendered metadata, the group, album and privacy, then the file', async () => {
    const { credentialId } = await connectVk(bob);
    const longTitle = `Лекция ${'о матрицах '.repeat(20)}`;
    const recordingId = await recording(bob, longTitle);
    const presetId = await vkPreset(bob, credentialId, {
      titleTemplate: '{{ display_name }}',
      descriptionTemplate: 'Запись от {{ record_date }}',
      groupId: 4242,
      albumId: 17,
      privacyView: 3,
      privacyComment: 1,
      disableComments: true,
    });
    const started = await call('POST', `/api/v1/recordings/${recordingId}/upload/vk_video`, { token: bob.token, json: { presetId } });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ platform: 'vk_video', status: 'QUEUED', presetId });

    const [target] = await eventually(
      async () => {
        const items = await targetsOf(bob, recordingId);
        expect(items.map((t: { status: string }) => t.status)).toEqual(['PUBLISHED']);
        return items;
      },
      { timeoutMs: 60_000 },
    );
    const video = [...vk.videos.values()].find((v) => target.resultUrl === `https://vk.com/video${v.ownerId}_${v.id}`)!;
    expect(video).toBeDefined();
    expect(video.uploaded).toBe(true);
    expect(video.bytes.length).toBe(64 * 1024);
    expect(video.ownerId).toBe(-4242);
    // VK's limit: titles of at most 128 characters, cut with "...".
    expect([...video.params.name!].length).toBeLessThanOrEqual(128);
    expect(video.params.name!.endsWith('...')).toBe(true);
    expect(video.params).toMatchObject({ group_id: '4242', album_id: '17', privacy_view: 'only_me', privacy_comment: 'friends', no_comments: '1', v: '5.131' });
    expect(video.params.description).toMatch(/^Запись от \d{2}\.\d{2}\.\d{4}$/);
  });

  it('a revoked VK account fails only its own target with a clear code and needs reauth; connecting it again clears that', async () => {
    const revoked = await connectVk(bob);
    const healthy = await connectVk(bob);
    const recordingId = await recording(bob, 'Графы');
    const revokedPreset = await vkPreset(bob, revoked.credentialId, {});
    const healthyPreset = await vkPreset(bob, healthy.credentialId, {});
    vk.revokeUser(revoked.userId);
    const first = await call('POST', `/api/v1/recordings/${recordingId}/upload/vk_video`, { token: bob.token, json: { presetId: revokedPreset } });
    const second = await call('POST', `/api/v1/recordings/${recordingId}/upload/vk_video`, { token: bob.token, json: { presetId: healthyPreset } });
    const targets = await eventually(
      async () => {
        const items = await targetsOf(bob, recordingId);
        expect(items.map((t: { status: string }) => t.status).sort()).toEqual(['FAILED', 'PUBLISHED']);
        return items;
      },
      { timeoutMs: 60_000 },
    );
    const byId = Object.fromEntries(targets.map((t: { id: string }) => [t.id, t]));
    expect(byId[first.body.id]).toMatchObject({ status: 'FAILED', error: { code: 'PUBLISHING.CREDENTIAL_REVOKED' } });
    expect(byId[second.body.id]).toMatchObject({ status: 'PUBLISHED', error: null });
    expect((await credentialRow(revoked.credentialId)).needs_reauth).toBe(true);
    expect((await credentialRow(healthy.credentialId)).needs_reauth).toBe(false);

    // The user connects the same VK account again.
    vk.signInAs({ userId: revoked.userId });
    const again = await consent(await authorize('vk', bob));
    expect(again.body).toMatchObject({ created: false, credential: { id: revoked.credentialId, needsReauth: false } });
    const retry = await call('POST', `/api/v1/recordings/${recordingId}/upload/vk_video`, { token: bob.token, json: { presetId: revokedPreset } });
    await eventually(async () => expect((await targetsOf(bob, recordingId)).find((t: { id: string }) => t.id === retry.body.id)).toMatchObject({ status: 'PUBLISHED' }), { timeoutMs: 60_000 });
  });

  async function youtubeTarget(owner: Account, metadata: Record<string, unknown> = {}): Promise<{ recordingId: string; presetId: string }> {
    youtube.signInAs(`channel-${randomUUID()}@example.org`);
    const { credential } = (await consent(await authorize('youtube', owner))).body;
    const preset = await call('POST', '/api/v1/presets', {
      token: owner.token,
      json: { name: `YouTube ${randomUUID()}`, platform: 'youtube', credentialId: credential.id, metadata: { uploadCaptions: false, ...metadata } },
    });
    expect(preset.status).toBe(201);
    return { recordingId: await recording(owner, 'Деревья'), presetId: preset.body.id };
  }

  it("a 429 storm opens the YouTube account's circuit: the target waits instead of hammering, and is published once YouTube recovers", async () => {
    const { recordingId, presetId } = await youtubeTarget(alice);
    const calls = youtube.stats.apiCalls;
    // The first three calls are refused: two open the circuit (threshold 2), the probe after the cooldown opens it again.
    youtube.failNext(3, 429, 'rateLimitExceeded');
    const started = await call('POST', `/api/v1/recordings/${recordingId}/upload/youtube`, { token: alice.token, json: { presetId } });
    expect(started.status).toBe(202);
    // While the circuit is open the target waits, and says why.
    await eventually(
      async () => {
        const [t] = await targetsOf(alice, recordingId);
        expect(t).toMatchObject({ status: 'UPLOADING', error: { code: 'PUBLISHING.CIRCUIT_OPEN', message: expect.stringContaining('failures in a row') } });
      },
      { timeoutMs: 30_000, intervalMs: 50 },
    );
    const target = await eventually(
      async () => {
        const [t] = await targetsOf(alice, recordingId);
        expect(t.status).toBe('PUBLISHED');
        return t;
      },
      { timeoutMs: 60_000 },
    );
    expect(target.resultUrl).toMatch(/^https:\/\/www\.youtube\.com\/watch\?v=/);
    expect(target.error).toBeNull();
    // Three refused session requests and the one that worked: nothing reached YouTube while the circuit was open.
    expect(youtube.stats.apiCalls - calls).toBe(4);
  });

  it('retracts published YouTube and VK targets: the videos are deleted on the platforms and the targets are RETRACTED', async () => {
    const yt = await youtubeTarget(bob);
    const { credentialId } = await connectVk(bob);
    const vkPresetId = await vkPreset(bob, credentialId, { groupId: 77 });
    const ytTarget = (await call('POST', `/api/v1/recordings/${yt.recordingId}/upload/youtube`, { token: bob.token, json: { presetId: yt.presetId } })).body;
    const vkTarget = (await call('POST', `/api/v1/recordings/${yt.recordingId}/upload/vk_video`, { token: bob.token, json: { presetId: vkPresetId } })).body;
    // A local export is never retracted (whatever its status): 409, and it stays as it is.
    const local = (await call('POST', `/api/v1/recordings/${yt.recordingId}/upload/local`, { token: bob.token, json: {} })).body;
    expectProblem(await call('DELETE', `/api/v1/recordings/${yt.recordingId}/targets/${local.id}`, { token: bob.token }), 409, 'TARGET.NOT_RETRACTABLE');
    const published = await eventually(
      async () => {
        const items = (await targetsOf(bob, yt.recordingId)).filter((t: { id: string }) => t.id !== local.id);
        expect(items.map((t: { status: string }) => t.status)).toEqual(['PUBLISHED', 'PUBLISHED']);
        return items;
      },
      { timeoutMs: 60_000 },
    );
    const videoId = new URL(published.find((t: { id: string }) => t.id === ytTarget.id).resultUrl).searchParams.get('v')!;
    const vkVideo = [...vk.videos.values()].find((v) => published.find((t: { id: string }) => t.id === vkTarget.id).resultUrl === `https://vk.com/video${v.ownerId}_${v.id}`)!;
    expect(youtube.videos.get(videoId)!.deleted).toBe(false);

    expectProblem(await call('DELETE', `/api/v1/recordings/${yt.recordingId}/targets/${ytTarget.id}`, { token: alice.token }), 404, 'RECORDING.NOT_FOUND');
    expectProblem(await call('DELETE', `/api/v1/recordings/${yt.recordingId}/targets/${randomUUID()}`, { token: bob.token }), 404, 'TARGET.NOT_FOUND');
    for (const target of [ytTarget, vkTarget]) {
      const retracting = await call('DELETE', `/api/v1/recordings/${yt.recordingId}/targets/${target.id}`, { token: bob.token });
      expect(retracting.status).toBe(202);
      expect(retracting.body).toMatchObject({ id: target.id, status: 'RETRACTING', retractedAt: null });
    }
    const retracted = await eventually(
      async () => {
        const items = (await targetsOf(bob, yt.recordingId)).filter((t: { id: string }) => t.id !== local.id);
        expect(items.map((t: { status: string }) => t.status)).toEqual(['RETRACTED', 'RETRACTED']);
        return items;
      },
      { timeoutMs: 60_000 },
    );
    expect(retracted[0]).toMatchObject({ retractedAt: expect.any(String), error: null });
    expect(youtube.videos.get(videoId)!.deleted).toBe(true);
    expect(vkVideo.deleted).toBe(true);
    expectProblem(await call('DELETE', `/api/v1/recordings/${yt.recordingId}/targets/${ytTarget.id}`, { token: bob.token }), 409, 'TARGET.NOT_RETRACTABLE');
  });

  it('a retract the platform refuses leaves the target PUBLISHED with the error: the video is still there', async () => {
    const { credentialId } = await connectVk(bob);
    const recordingId = await recording(bob, 'Матроиды');
    const presetId = await vkPreset(bob, credentialId, {});
    const target = (await call('POST', `/api/v1/recordings/${recordingId}/upload/vk_video`, { token: bob.token, json: { presetId } })).body;
    await eventually(async () => expect((await targetsOf(bob, recordingId))[0].status).toBe('PUBLISHED'), { timeoutMs: 60_000 });
    vk.failNext(1, 15, 'Access denied: no access to this video');
    expect((await call('DELETE', `/api/v1/recordings/${recordingId}/targets/${target.id}`, { token: bob.token })).status).toBe(202);
    const [after] = await eventually(
      async () => {
        const items = await targetsOf(bob, recordingId);
        expect(items[0]).toMatchObject({ status: 'PUBLISHED', error: { code: 'PUBLISHING.PLATFORM_REJECTED' } });
        return items;
      },
      { timeoutMs: 60_000 },
    );
    expect(after.error.message).toContain('video.delete');
    expect(after.retractedAt).toBeNull();
  });
});
