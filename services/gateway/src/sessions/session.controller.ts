import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import { clientAddress } from '../access/client-address';
import { COOKIE, assertCsrf, cookiesOf } from '../access/cookies';
import { csrfTokenFor } from '../access/csrf-token';
import { Public, RateLimitClass } from '../access/decorators';
import { optionalPrincipalOf, type Principal } from '../access/principal';
import { SessionCredentialGuard } from '../access/session-credential.guard';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import { headerOf, type HttpRequest as Request, type HttpResponse as Response } from '../common/http-types';
import { parseInput } from '../common/validation';
import type { GatewayConfig } from '../config/config.schema';
import { refreshTokenInvalid } from './problems';
import { SessionCookies } from './session-cookies';
import { SessionService, type IssuedPair } from './session.service';
import {
  grantSchema,
  loginSchema,
  logoutSchema,
  refreshSchema,
  sessionListQuerySchema,
  sessionPageSchema,
  type BearerGrant,
  type CookieGrantBody,
  type SessionMode,
} from './sessions.dto';

type ControllerConfig = Pick<GatewayConfig, 'JWT_SECRET' | 'TRUST_PROXY_HOPS' | 'COOKIE_SECURE' | 'COOKIE_SAMESITE' | 'COOKIE_DOMAIN'>;

const COOKIES_SET = 'access_token (HttpOnly, Path=/), refresh_token (HttpOnly, Path=/api/v1/auth), csrf_token (readable, Path=/), leap_persistent=1 with remember me';
const COOKIES_CLEARED = 'access_token, refresh_token, csrf_token and leap_persistent, expired';
const GRANT_DESCRIPTION = 'Bearer mode: both tokens in the body. Cookie mode: the tokens are set as cookies and the body carries the CSRF token instead.';

/**
 * Signing in and out, refresh-token rotation and the session list, in two modes: `bearer` (the
 * client keeps the tokens and sends `Authorization: Bearer`) and `cookie` (the gateway keeps them in
 * HttpOnly cookies; state changes also send `X-CSRF-Token`).
 */
@Controller('api/v1/auth')
export class SessionController {
  private readonly cookies: SessionCookies;

  constructor(
    private readonly sessions: SessionService,
    @Inject(SERVICE_CONFIG) private readonly config: ControllerConfig,
  ) {
    this.cookies = new SessionCookies(config);
  }

  @Post('login')
  @HttpCode(200)
  @Public()
  @RateLimitClass('credentials')
  @ApiDoc({
    summary: 'Sign in',
    description:
      'Opens a session for this device and answers an access token (short-lived) and a refresh token. ' +
      'An unknown email and a wrong password get the same 401. `mode: "cookie"` sets HttpOnly cookies instead of returning the tokens; ' +
      'without `rememberMe` they are session cookies that end with the browser.',
    tag: 'auth',
    body: loginSchema,
    responses: { 200: { description: GRANT_DESCRIPTION, schema: grantSchema, headers: { 'Set-Cookie': `Cookie mode: ${COOKIES_SET}` } } },
    problems: { 401: ['AUTH.INVALID_CREDENTIALS'], 403: ['AUTH.EMAIL_NOT_VERIFIED', 'AUTH.ACCOUNT_DISABLED'] },
  })
  async login(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const input = parseInput(loginSchema, body);
    const pair = await this.sessions.login(input, { userAgent: headerOf(request, 'user-agent'), address: clientAddress(request, this.config.TRUST_PROXY_HOPS) });
    return this.answer(response, input.mode, pair);
  }

  @Post('refresh')
  @HttpCode(200)
  @Public()
  @RateLimitClass('credentials')
  @ApiDoc({
    summary: 'Exchange a refresh token for a new pair',
    description:
      'Bearer mode sends `refreshToken` in the body; cookie mode sends the refresh_token cookie and the X-CSRF-Token header. ' +
      'Every refresh token works once: the answer carries its replacement. Presenting one that was already exchanged revokes the whole session (401 AUTH.REFRESH_TOKEN_REUSED).',
    tag: 'auth',
    body: refreshSchema,
    responses: { 200: { description: GRANT_DESCRIPTION, schema: grantSchema, headers: { 'Set-Cookie': `Cookie mode: ${COOKIES_SET}` } } },
    problems: { 401: ['AUTH.REFRESH_TOKEN_INVALID', 'AUTH.REFRESH_TOKEN_REUSED'], 403: ['AUTH.CSRF_FAILED', 'AUTH.ACCOUNT_DISABLED'] },
  })
  async refresh(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const fromBody = parseInput(refreshSchema, body).refreshToken;
    const jar = cookiesOf(request);
    const token = fromBody ?? jar[COOKIE.refresh];
    if (!token) throw refreshTokenInvalid('No refresh token: send "refreshToken" in the body, or the refresh_token cookie');
    const mode: SessionMode = fromBody ? 'bearer' : 'cookie';
    if (mode === 'cookie') {
      // An unknown cookie changes nothing and is refused below; a known one needs its session's CSRF token.
      const sessionId = await this.sessions.sessionOfRefreshToken(token);
      if (sessionId) assertCsrf(request, csrfTokenFor(this.config.JWT_SECRET, sessionId));
    }
    try {
      const pair = await this.sessions.refresh(token);
      return this.answer(response, mode, pair);
    } catch (error) {
      // A dead refresh cookie is of no further use to the browser.
      if (mode === 'cookie' && error instanceof LeapError && error.status === 401) this.cookies.clear(response);
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(204)
  @Public()
  @ApiDoc({
    summary: 'Sign out of this session',
    description:
      'Revokes the session of the refresh token (body or cookie), else of the access token presented, and clears the cookies. ' +
      'Always 204, also when there was nothing to revoke.',
    tag: 'auth',
    body: logoutSchema,
    responses: { 204: { description: 'Signed out', headers: { 'Set-Cookie': COOKIES_CLEARED } } },
  })
  async logout(@Body() body: unknown, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const fromBody = logoutSchema.safeParse(body ?? {});
    const token = (fromBody.success ? fromBody.data.refreshToken : undefined) ?? cookiesOf(request)[COOKIE.refresh];
    await this.sessions.logout(token, optionalPrincipalOf(request));
    this.cookies.clear(response);
  }

  @Post('logout-all')
  @HttpCode(204)
  @UseGuards(SessionCredentialGuard)
  @ApiDoc({
    summary: 'Sign out everywhere',
    description:
      'Revokes every session of the account and raises its token version: every access and refresh token issued so far stops working at once. ' +
      'Needs a signed-in user (an access token or the session cookie); an API key is refused, as for logout-others.',
    tag: 'auth',
    responses: { 204: { description: 'Signed out everywhere', headers: { 'Set-Cookie': `Cookie mode: ${COOKIES_CLEARED}` } } },
    problems: { 403: ['AUTH.SESSION_REQUIRED'] },
  })
  async logoutAll(@CurrentUser() caller: Principal, @Res({ passthrough: true }) response: Response): Promise<void> {
    await this.sessions.logoutAll(caller.userId);
    if (viaCookie(caller)) this.cookies.clear(response);
  }

  @Post('logout-others')
  @HttpCode(200)
  @UseGuards(SessionCredentialGuard)
  @ApiDoc({
    summary: 'Sign out everywhere else',
    description:
      "Revokes every other session and raises the token version; the caller's session stays and gets a fresh pair (in the caller's mode), " +
      'since its earlier tokens carry the old token version.',
    tag: 'auth',
    responses: {
      200: {
        description: 'A fresh pair for the current session: like login, in the mode of the credential used',
        schema: grantSchema,
        headers: { 'Set-Cookie': `Cookie mode: ${COOKIES_SET}` },
      },
    },
    problems: { 401: ['AUTH.REFRESH_TOKEN_INVALID'], 403: ['AUTH.SESSION_REQUIRED'] },
  })
  async logoutOthers(@CurrentUser() caller: Principal, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const pair = await this.sessions.logoutOthers(caller);
    const mode: SessionMode = viaCookie(caller) ? 'cookie' : 'bearer';
    return this.answer(response, mode, pair);
  }

  @Get('sessions')
  @ApiDoc({
    summary: 'List the signed-in sessions',
    description: 'The active sessions of the account (one per login and device), most recently used first; `current` marks the one making this request.',
    tag: 'auth',
    query: sessionListQuerySchema,
    responses: { 200: { description: 'A page of sessions', schema: sessionPageSchema } },
  })
  listSessions(@CurrentUser() caller: Principal, @Query() query: unknown) {
    return this.sessions.list(caller, parseInput(sessionListQuerySchema, query));
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Revoke a session',
    description: "Signs that device out: the session's access and refresh tokens stop working at once. Revoking the current session is allowed.",
    tag: 'auth',
    params: { id: 'The session id (from the list)' },
    responses: { 204: { description: 'Revoked', headers: { 'Set-Cookie': `When it was the current cookie session: ${COOKIES_CLEARED}` } } },
    problems: { 404: ['SESSION.NOT_FOUND'] },
  })
  async revokeSession(@CurrentUser() caller: Principal, @Param('id') id: string, @Res({ passthrough: true }) response: Response): Promise<void> {
    await this.sessions.revoke(caller, id);
    if (viaCookie(caller) && caller.credential.kind === 'access-token' && caller.credential.sessionId === id) this.cookies.clear(response);
  }

  /** The answer of login, refresh and logout-others: tokens in the body, or in cookies with the CSRF token in the body. */
  private answer(response: Response, mode: SessionMode, pair: IssuedPair): BearerGrant | CookieGrantBody {
    response.setHeader('Cache-Control', 'no-store');
    const common = { expiresIn: pair.expiresIn, refreshExpiresIn: pair.refreshExpiresIn, sessionId: pair.sessionId };
    if (mode === 'bearer') return { accessToken: pair.accessToken, refreshToken: pair.refreshToken, tokenType: 'Bearer', ...common };
    const csrf = csrfTokenFor(this.config.JWT_SECRET, pair.sessionId);
    this.cookies.grant(response, {
      accessToken: pair.accessToken,
      refreshToken: pair.refreshToken,
      csrfToken: csrf,
      accessTtlSeconds: pair.expiresIn,
      refreshTtlSeconds: pair.refreshExpiresIn,
      persistent: pair.persistent,
    });
    return { tokenType: 'Cookie', ...common, csrfToken: csrf };
  }
}

function viaCookie(caller: Principal): boolean {
  return caller.credential.kind === 'access-token' && caller.credential.via === 'cookie';
}
