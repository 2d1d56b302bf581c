import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, type ConnectSourceAccount, type SourceAccountConnected } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import type { RunningService } from '@leap/platform';
import { parseKeyring } from '@leap/secrets';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { startFakeYandexDisk, startFakeZoom, type FakeYandexDisk, type FakeZoom } from '@leap/testing';
import { ingestService } from '../service';
import { ZoomClient } from '../sources/zoom/zoom.client';
import type { SourceCredentialVault } from './source-credential-vault';
import type { SourceCredentialsRepository } from './source-credentials.repository';

const USER = '0195f3a0-1111-7000-8000-0000000000c1';
const KEYRING = `k1:${'7'.repeat(64)}`;
const TRANSIT = `t1:${'8'.repeat(64)}`;
const REDIRECT = 'https://leap.example.org/api/v1/oauth/zoom/callback';

/**
 * Ingest's side of an OAuth connect (`ingest.account.connect.v1`), as the gateway's callback asks
 * it over the real broker: the sealed code exchanged at the fake Zoom (HTTP Basic with the app's
 * id and secret, the redirect URI checked) or the fake Yandex (PKCE verifier checked), the account
 * named by the platform, the credential upserted; every refusal with its stable code.
 */
describe('connecting a source account (ingest, against the fake Zoom and Yandex)', () => {
  let world: ServiceWorld;
  let zoom: FakeZoom;
  let yandex: FakeYandexDisk;
  let ingest: RunningService;
  let bus: MessageBus;
  const transit = parseKeyring(TRANSIT);

  beforeAll(async () => {
    zoom = await startFakeZoom();
    yandex = await startFakeYandexDisk();
    world = await createServiceWorld('connect_source_accounts');
    ingest = await world.start(ingestService, {
      env: {
        CREDENTIALS_KEYRING: KEYRING,
        CREDENTIALS_TRANSIT_KEYRING: TRANSIT,
        ZOOM_API_BASE_URL: zoom.apiBaseUrl,
        ZOOM_OAUTH_BASE_URL: zoom.oauthBaseUrl,
        ZOOM_CLIENT_ID: zoom.clientId,
        ZOOM_CLIENT_SECRET: zoom.clientSecret,
        YANDEX_DISK_API_BASE_URL: yandex.apiBaseUrl,
        YANDEX_OAUTH_BASE_URL: yandex.oauthBaseUrl,
        YANDEX_CLIENT_ID: yandex.clientId,
        YANDEX_CLIENT_SECRET: yandex.clientSecret,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        RETENTION_SWEEP_INTERVAL: '0ms',
        STUCK_SWEEP_INTERVAL: '0ms',
      },
    });
    bus = ingest.app.get(MessageBus);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await zoom?.close();
    await yandex?.close();
  });

  const seal = (grant: unknown) => transit.encryptJson(grant, `credential-transit:${USER}`);
  const connect = (query: Omit<ConnectSourceAccount, 'userId'>): Promise<SourceAccountConnected> =>
    bus.request(MESSAGE_TYPES.ingest.ConnectSourceAccount, { userId: USER, ...query }, { tenant: USER, timeoutMs: 15_000 });
  const refusal = async (query: Omit<ConnectSourceAccount, 'userId'>): Promise<{ code: string; status: number }> => {
    const error = await connect(query).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LeapError);
    return { code: (error as LeapError).code, status: (error as LeapError).status };
  };
  /** What a browser brings back from the fake Zoom's consent page. */
  const zoomCode = async (redirectUri = REDIRECT) => {
    const consent = await fetch(`${zoom.oauthBaseUrl}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: zoom.clientId, redirect_uri: redirectUri, state: 's' })}`, { redirect: 'manual' });
    return new URL(consent.headers.get('location')!).searchParams.get('code')!;
  };
  const row = async (id: string) => (await ingest.app.get(DataSource).query(`SELECT account_name, kind, needs_reauth, sealed_data FROM source_credentials WHERE id = $1`, [id]))[0];

  it('exchanges a Zoom code with the app and stores the account by its e-mail; the same account again replaces its tokens and clears needs_reauth', async () => {
    zoom.signInAs({ id: 'zu-grace', email: 'grace@zoom.example', firstName: 'Grace', lastName: 'Hopper' });
    const first = await connect({ platform: 'zoom', sealedGrant: seal({ code: await zoomCode() }), redirectUri: REDIRECT });
    expect(first).toMatchObject({ created: true, credential: { platform: 'zoom', accountName: 'grace@zoom.example', kind: 'oauth', needsReauth: false } });
    const id = first.credential.id;
    const stored = parseKeyring(KEYRING).decryptJson<Record<string, string>>((await row(id)).sealed_data, `credential:${id}`);
    // Tokens and their expiry only: the app's secret stays in ingest's settings.
    expect(Object.keys(stored).sort()).toEqual(['accessToken', 'expiresAt', 'refreshToken']);
    expect(JSON.stringify(first)).not.toContain(stored.accessToken);

    await ingest.app.get(DataSource).query(`UPDATE source_credentials SET needs_reauth = true WHERE id = $1`, [id]);
    const again = await connect({ platform: 'zoom', sealedGrant: seal({ code: await zoomCode() }), redirectUri: REDIRECT });
    expect(again).toMatchObject({ created: false, credential: { id, needsReauth: false } });
    const replaced = parseKeyring(KEYRING).decryptJson<Record<string, string>>((await row(id)).sealed_data, `credential:${id}`);
    expect(replaced.accessToken).not.toBe(stored.accessToken);
  });

  it('refuses a code Zoom does not take, one asked for another redirect URI, a grant that does not open, and an unknown platform', async () => {
    expect(await refusal({ platform: 'zoom', sealedGrant: seal({ code: 'zcode-never-issued' }), redirectUri: REDIRECT })).toEqual({ code: 'OAUTH.EXCHANGE_FAILED', status: 422 });
    expect(await refusal({ platform: 'zoom', sealedGrant: seal({ code: await zoomCode('https://elsewhere.example.org/cb') }), redirectUri: REDIRECT })).toEqual({ code: 'OAUTH.EXCHANGE_FAILED', status: 422 });
    const otherUser = transit.encryptJson({ code: 'x' }, 'credential-transit:someone-else');
    expect(await refusal({ platform: 'zoom', sealedGrant: otherUser, redirectUri: REDIRECT })).toEqual({ code: 'OAUTH.EXCHANGE_FAILED', status: 422 });
    expect(await refusal({ platform: 'dropbox', sealedGrant: seal({ code: 'x' }), redirectUri: REDIRECT })).toEqual({ code: 'OAUTH.PLATFORM_UNKNOWN', status: 404 });
  });

  it('exchanges a Yandex code with its PKCE verifier and names the account by its login; a wrong verifier is refused', async () => {
    const { account } = yandex.grant('ya-lecturer');
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const yandexCode = async () => {
      yandex.signInAs(account);
      const consent = await fetch(
        `${yandex.oauthBaseUrl}/authorize?${new URLSearchParams({ response_type: 'code', client_id: yandex.clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' })}`,
        { redirect: 'manual' },
      );
      return new URL(consent.headers.get('location')!).searchParams.get('code')!;
    };
    const connected = await connect({ platform: 'yandex_disk', sealedGrant: seal({ code: await yandexCode(), codeVerifier: verifier }), redirectUri: REDIRECT });
    expect(connected).toMatchObject({ created: true, credential: { platform: 'yandex_disk', accountName: 'ya-lecturer', kind: 'oauth', needsReauth: false } });
    expect((await row(connected.credential.id)).kind).toBe('oauth');

    const wrong = randomBytes(48).toString('base64url');
    expect(await refusal({ platform: 'yandex_disk', sealedGrant: seal({ code: await yandexCode(), codeVerifier: wrong }), redirectUri: REDIRECT })).toEqual({ code: 'OAUTH.EXCHANGE_FAILED', status: 422 });
  });

  it('a Zoom client without the app id and secret cannot connect: OAUTH.NOT_CONFIGURED, before any call to Zoom', async () => {
    const calls = zoom.stats.tokenRequests;
    const bare = new ZoomClient({ apiBaseUrl: zoom.apiBaseUrl, oauthBaseUrl: zoom.oauthBaseUrl }, {} as SourceCredentialsRepository, {} as SourceCredentialVault);
    expect(bare.canConnect).toBe(false);
    await expect(bare.exchangeCode('any', REDIRECT)).rejects.toMatchObject({ code: 'OAUTH.NOT_CONFIGURED', status: 503 });
    expect(zoom.stats.tokenRequests).toBe(calls);
  });
});
