import { Body, Controller, Get, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { MESSAGE_TYPES } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import { parseKeyring, type Keyring } from '@leap/secrets';
import { Public } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import type { HttpResponse } from '../common/http-types';
import { parseInput } from '../common/validation';
import type { GatewayConfig } from '../config/config.schema';
import { publishingView, sourceView } from '../credentials/credentials.service';
import type { CredentialView } from '../credentials/credentials.dto';
import { PublishingClient } from '../publishing/publishing.client';
import { validationError } from '../common/problem-details';
import { IngestAccountsClient } from './ingest-accounts.client';
import { OAUTH_PLATFORMS, OAUTH_PLATFORM_PATHS, purposesOf, vkImplicitUrl, type OAuthPlatform, type OAuthPurpose } from './oauth-platforms';
import { OAuthStates, type ConsumedState } from './oauth-states';
import {
  authorizeQuerySchema,
  authorizeViewSchema,
  callbackQuerySchema,
  connectedViewSchema,
  implicitBodySchema,
  implicitUrlViewSchema,
  oauthPlatformSchema,
} from './oauth.dto';

const PLATFORM_PARAM = { description: 'The platform to connect', enum: OAUTH_PLATFORM_PATHS };

function sendJson(res: HttpResponse, status: number, body: unknown): void {
  res.status(status).type('application/json').send(JSON.stringify(body));
}

function redirect(res: HttpResponse, url: string): void {
  res.statusCode = 302;
  res.setHeader('location', url);
  res.setHeader('cache-control', 'no-store');
  res.end();
}

/**
 * Connecting platform accounts with OAuth. `authorize` records a state (signed, single-use,
 * expiring, with the PKCE verifier where the platform uses one) and answers the platform's consent
 * URL; the platform sends the browser back to `callback` with a code, which goes sealed, with the
 * verifier, to the service that owns the platform's credentials for the connect's purpose (ingest
 * for a source's Zoom or Yandex Disk account, publishing for an upload account); that service exchanges it and
 * stores the account (several per platform; connecting one again replaces its tokens and clears
 * `needsReauth`). Tokens never pass through here, but for the VK implicit flow, where the user
 * pastes one.
 */
@Controller('api/v1/oauth')
export class OAuthController {
  private readonly transit?: Keyring;

  constructor(
    private readonly states: OAuthStates,
    private readonly publishing: PublishingClient,
    private readonly ingest: IngestAccountsClient,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.transit = config.CREDENTIALS_TRANSIT_KEYRING ? parseKeyring(config.CREDENTIALS_TRANSIT_KEYRING) : undefined;
  }

  @Get(':platform/authorize')
  @ApiDoc({
    summary: 'Start connecting a platform account',
    description:
      "Answers the platform's consent URL (youtube: Google with offline access; vk: VK ID with PKCE; zoom: Zoom user OAuth; yandex_disk: Yandex OAuth with PKCE and the account picker). " +
      'purpose says what the account is for: input (a source credential) or output (an upload credential); yandex_disk takes both, default input. ' +
      'The state in it is signed (with the purpose), expires after OAUTH_STATE_TTL and works once. With redirect=true the answer is a 302 to it.',
    tag: 'oauth',
    params: { platform: PLATFORM_PARAM },
    query: authorizeQuerySchema,
    responses: { 200: { description: 'The consent URL', schema: authorizeViewSchema }, 302: { description: 'To the consent page (redirect=true)', headers: { Location: 'The consent URL' } } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['OAUTH.PLATFORM_UNKNOWN'], 503: ['OAUTH.NOT_CONFIGURED'] },
  })
  async authorize(@CurrentUser() user: Principal, @Param('platform') path: string, @Query() query: unknown, @Res() res: HttpResponse): Promise<void> {
    const platform = this.platform(path);
    const q = parseInput(authorizeQuerySchema, query);
    const purpose = this.purpose(platform, q.purpose);
    const redirectUri = this.redirectUri(platform);
    const issued = await this.states.issue(user.userId, platform.path, purpose, redirectUri, platform.pkce);
    const authorizationUrl = platform.authorizeUrl(this.config, { state: issued.state, redirectUri, ...(issued.codeChallenge ? { codeChallenge: issued.codeChallenge } : {}) });
    if (q.redirect === 'true') return redirect(res, authorizationUrl);
    sendJson(res, 200, { authorizationUrl, expiresAt: issued.expiresAt.toISOString() });
  }

  @Get(':platform/callback')
  @Public()
  @ApiDoc({
    summary: 'Where the platform sends the browser back',
    description:
      'The state identifies the connect and its purpose (no sign-in needed). The code, and the PKCE verifier (VK ID, Yandex) and device_id (VK ID), go to the service that keeps the credential ' +
      '(ingest for an input, publishing for an output); it exchanges them, asks the platform whose account it is, and stores it (the same account again: its tokens replaced, needsReauth cleared). ' +
      'With OAUTH_RETURN_URL set the browser is sent there (?platform=&purpose=&status=connected&credentialId= or ?status=error&code=).',
    tag: 'oauth',
    params: { platform: PLATFORM_PARAM },
    query: callbackQuerySchema,
    responses: {
      200: { description: 'The account is connected', schema: connectedViewSchema },
      302: { description: 'To OAUTH_RETURN_URL, when it is set', headers: { Location: 'OAUTH_RETURN_URL with the outcome' } },
    },
    problems: {
      400: ['OAUTH.STATE_INVALID', 'OAUTH.DENIED', 'VALIDATION.FAILED'],
      404: ['OAUTH.PLATFORM_UNKNOWN'],
      422: ['OAUTH.EXCHANGE_FAILED'],
      503: ['CREDENTIAL.ENCRYPTION_UNCONFIGURED', 'OAUTH.NOT_CONFIGURED', 'INGEST.UNAVAILABLE', 'PUBLISHING.UNAVAILABLE'],
    },
  })
  async callback(@Param('platform') path: string, @Query() query: unknown, @Res() res: HttpResponse): Promise<void> {
    try {
      const platform = this.platform(path, { checkConfigured: false });
      const q = parseInput(callbackQuerySchema, query);
      // The state is used up first: whatever happens next, it cannot be played again.
      const state = await this.states.consume(q.state, platform.path, purposesOf(platform));
      if (q.error) throw new LeapError('OAUTH.DENIED', `The platform did not grant access: ${q.error}${q.error_description ? ` (${q.error_description})` : ''}`, { status: 400 });
      if (!q.code) throw new LeapError('VALIDATION.FAILED', 'code is missing', { status: 400, details: { errors: [{ field: 'code', message: 'is required' }] } });
      if (platform.pkce && !q.device_id && platform.path === 'vk') {
        throw new LeapError('VALIDATION.FAILED', 'device_id is missing', { status: 400, details: { errors: [{ field: 'device_id', message: 'is required' }] } });
      }
      const grant = { code: q.code, ...(state.codeVerifier ? { codeVerifier: state.codeVerifier } : {}), ...(q.device_id ? { deviceId: q.device_id } : {}) };
      const { credential, created } = await this.connect(platform, state, this.keyring().encryptJson(grant, `credential-transit:${state.userId}`));
      if (this.config.OAUTH_RETURN_URL) {
        return redirect(res, this.returnUrl({ platform: platform.path, purpose: state.purpose, status: 'connected', credentialId: credential.id }));
      }
      sendJson(res, 200, { credential, created });
    } catch (error) {
      if (!this.config.OAUTH_RETURN_URL || !(error instanceof LeapError)) throw error;
      redirect(res, this.returnUrl({ platform: path, status: 'error', code: error.code }));
    }
  }

  @Get('vk/authorize/implicit')
  @ApiDoc({
    summary: 'The VK implicit-flow URL',
    description:
      'For VK apps that cannot use VK ID: the token VK gives is valid 24 h and cannot be refreshed. Open the URL, allow access, then paste the address VK lands on ' +
      'into POST /api/v1/oauth/vk/authorize/implicit.',
    tag: 'oauth',
    responses: { 200: { description: 'The URL to open', schema: implicitUrlViewSchema } },
    problems: { 503: ['OAUTH.NOT_CONFIGURED'] },
  })
  implicitUrl() {
    this.platform('vk');
    return { authorizationUrl: vkImplicitUrl(this.config) };
  }

  @Post('vk/authorize/implicit')
  @ApiDoc({
    summary: 'Connect a VK account from a pasted implicit-flow address',
    description: 'The access token and user id are read from the fragment of the address; the account is keyed by the VK user id (connecting it again replaces the token).',
    tag: 'oauth',
    body: implicitBodySchema,
    responses: { 201: { description: 'Connected', schema: connectedViewSchema }, 200: { description: 'The account was connected before; its token was replaced', schema: connectedViewSchema } },
    problems: { 400: ['VALIDATION.FAILED'], 422: ['OAUTH.IMPLICIT_INVALID', 'CREDENTIAL.INVALID'], 503: ['OAUTH.NOT_CONFIGURED', 'CREDENTIAL.ENCRYPTION_UNCONFIGURED', 'PUBLISHING.UNAVAILABLE'] },
  })
  async implicit(@CurrentUser() user: Principal, @Body() body: unknown, @Res() res: HttpResponse): Promise<void> {
    this.platform('vk');
    const { redirectUrl } = parseInput(implicitBodySchema, body);
    const fields = implicitFields(redirectUrl);
    const sealedTokens = this.keyring().encryptJson({ accessToken: fields.accessToken }, `credential-transit:${user.userId}`);
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.CreateCredential, { userId: user.userId, platform: 'vk_video', accountName: fields.userId, sealedTokens });
    sendJson(res, reply.created ? 201 : 200, { credential: publishingView(reply.credential), created: reply.created ?? false });
  }

  /** The sealed grant to the service that keeps this purpose's credentials of the platform. */
  private async connect(platform: OAuthPlatform, state: ConsumedState, sealedGrant: string): Promise<{ credential: CredentialView; created: boolean }> {
    const query = { userId: state.userId, platform: platform.credentialPlatform, sealedGrant, redirectUri: state.redirectUri };
    if (platform.owners[state.purpose] === 'ingest') {
      const reply = await this.ingest.connect(query);
      return { credential: sourceView(reply.credential), created: reply.created ?? false };
    }
    const reply = await this.publishing.ask(MESSAGE_TYPES.publishing.ConnectAccount, query);
    return { credential: publishingView(reply.credential), created: reply.created ?? false };
  }

  /** The asked purpose, or the platform's default; one it does not serve is a 400 naming the ones it does. */
  private purpose(platform: OAuthPlatform, asked: OAuthPurpose | undefined): OAuthPurpose {
    const purposes = purposesOf(platform);
    if (!asked) return purposes[0];
    if (!purposes.includes(asked)) throw validationError([{ field: 'purpose', message: `${platform.path} accounts are connected as ${purposes.join(' or ')}` }]);
    return asked;
  }

  private platform(path: string, options: { checkConfigured: boolean } = { checkConfigured: true }): OAuthPlatform {
    const parsed = oauthPlatformSchema.safeParse(path);
    const platform = parsed.success ? OAUTH_PLATFORMS[parsed.data] : undefined;
    if (!platform) throw new LeapError('OAUTH.PLATFORM_UNKNOWN', `Accounts of ${OAUTH_PLATFORM_PATHS.join(', ')} can be connected here`, { status: 404 });
    if (options.checkConfigured && !platform.configured(this.config)) {
      throw new LeapError('OAUTH.NOT_CONFIGURED', `Connecting ${platform.path} accounts is not configured on this server (its OAuth client id is not set)`, { status: 503 });
    }
    return platform;
  }

  private redirectUri(platform: OAuthPlatform): string {
    return `${this.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/api/v1/oauth/${platform.path}/callback`;
  }

  private returnUrl(params: Record<string, string>): string {
    const url = new URL(this.config.OAUTH_RETURN_URL!);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  private keyring(): Keyring {
    if (!this.transit) throw new LeapError('CREDENTIAL.ENCRYPTION_UNCONFIGURED', 'Credentials cannot be stored: CREDENTIALS_TRANSIT_KEYRING is not set', { status: 503 });
    return this.transit;
  }
}

/** `access_token` and `user_id` from the fragment (or, failing that, the query) of the address VK landed on. */
export function implicitFields(redirectUrl: string): { accessToken: string; userId: string } {
  let url: URL;
  try {
    url = new URL(redirectUrl.trim());
  } catch {
    throw new LeapError('OAUTH.IMPLICIT_INVALID', 'redirectUrl is not an address', { status: 422 });
  }
  const params = new URLSearchParams(url.hash.replace(/^#/, ''));
  const from = params.has('access_token') || params.has('error') ? params : url.searchParams;
  if (from.get('error')) throw new LeapError('OAUTH.IMPLICIT_INVALID', `VK did not grant access: ${from.get('error')} ${from.get('error_description') ?? ''}`.trim(), { status: 422 });
  const accessToken = from.get('access_token') ?? '';
  const userId = from.get('user_id') ?? '';
  if (!/^[A-Za-z0-9._-]{20,4096}$/.test(accessToken)) throw new LeapError('OAUTH.IMPLICIT_INVALID', 'The address holds no access_token', { status: 422 });
  if (!/^\d{1,20}$/.test(userId)) throw new LeapError('OAUTH.IMPLICIT_INVALID', 'The address holds no user_id', { status: 422 });
  return { accessToken, userId };
}
