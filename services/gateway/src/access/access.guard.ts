import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { LeapError } from '@leap/errors';
import { logContext } from '@leap/logging';
import { HealthController, SERVICE_CONFIG } from '@leap/platform';
import { headerOf, type HttpRequest as Request } from '../common/http-types';
import type { GatewayConfig } from '../config/config.schema';
import { AccessTokenAuthenticator, API_KEY_PREFIX, ApiKeyAuthenticator, RateLimiter, StreamTokenAuthenticator, type RateLimitDecision } from './authenticators';
import { clientAddress } from './client-address';
import { COOKIE, assertCsrf, cookiesOf } from './cookies';
import { csrfTokenFor } from './csrf-token';
import { ADMIN_ONLY, PUBLIC_ROUTE, RATE_LIMIT_CLASS, REQUIRED_FLAG, REQUIRED_SCOPE, STREAM_TOKEN_ROUTE, type RateLimitClass } from './decorators';
import { adminRequired, featureDisabled, insufficientScope, unauthenticated } from './problems';
import { setPrincipal, type FeatureFlag, type Principal, type Scope } from './principal';

type AccessConfig = Pick<GatewayConfig, 'JWT_SECRET' | 'RATE_LIMIT_WINDOW' | 'RATE_LIMIT_USER' | 'RATE_LIMIT_API_KEY' | 'RATE_LIMIT_ANONYMOUS' | 'TRUST_PROXY_HOPS'>;

/**
 * Every request passes here, in this order:
 * 1. authentication: `Authorization: Bearer <API key | access token>`, else the `access_token`
 *    cookie (whose state changes also need the session's CSRF token in `X-CSRF-Token`), else, on
 *    the event stream routes only, a stream token in the `stream_token` query parameter;
 * 2. the rate limit of the caller (per API key, per user, or per client address when anonymous);
 * 3. authorization: the route's scope, admin role and feature flag.
 * Routes are private unless marked `@Public()`; health endpoints are exempt from all of it.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenAuthenticator,
    private readonly apiKeys: ApiKeyAuthenticator,
    private readonly limiter: RateLimiter,
    private readonly streamTokens: StreamTokenAuthenticator,
    @Inject(SERVICE_CONFIG) private readonly config: AccessConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || context.getClass() === HealthController) return true;
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<ServerResponse>();
    const meta = <T>(key: string): T | undefined => this.reflector.getAllAndOverride<T>(key, [context.getHandler(), context.getClass()]);
    const isPublic = meta<boolean>(PUBLIC_ROUTE) === true;
    const limitClass = meta<RateLimitClass>(RATE_LIMIT_CLASS) ?? 'api';

    let principal: Principal | undefined;
    let refused: unknown;
    try {
      principal = await this.authenticate(request);
      if (!principal && meta<boolean>(STREAM_TOKEN_ROUTE) === true) principal = await this.streamToken(request);
    } catch (error) {
      refused = error;
    }
    // Counted before any refusal, so guessing tokens or keys costs the caller's address too.
    if (limitClass !== 'none') await this.limitBudget(request, response, limitClass, principal);
    if (refused !== undefined && !isPublic) throw refused;
    if (!principal && !isPublic) throw unauthenticated();

    if (!principal) return true;
    setPrincipal(request, principal);
    logContext.assign({ userId: principal.userId });
    if (isPublic) return true;

    if (principal.credential.kind === 'access-token' && principal.credential.via === 'cookie') {
      assertCsrf(request, csrfTokenFor(this.config.JWT_SECRET, principal.credential.sessionId));
    }
    const adminOnly = meta<boolean>(ADMIN_ONLY) === true;
    const method = (request.method ?? 'GET').toUpperCase();
    const scope = meta<Scope>(REQUIRED_SCOPE) ?? (adminOnly ? 'admin' : method === 'GET' || method === 'HEAD' ? 'read' : 'write');
    if (adminOnly && principal.role !== 'admin') throw adminRequired();
    if (!principal.scopes.includes(scope)) throw insufficientScope(scope);
    const flag = meta<FeatureFlag>(REQUIRED_FLAG);
    if (flag && !principal.flags[flag]) throw featureDisabled(flag);
    return true;
  }

  /** The caller, or undefined when the request carries no credential at all. */
  private async authenticate(request: Request): Promise<Principal | undefined> {
    const header = headerOf(request, 'authorization');
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
      if (!match) throw unauthenticated('The Authorization header must be "Bearer <token or API key>"');
      const token = match[1]!;
      return token.startsWith(API_KEY_PREFIX) ? this.apiKeys.authenticate(token, request) : this.tokens.authenticate(token, 'bearer', request);
    }
    const cookie = cookiesOf(request)[COOKIE.access];
    if (cookie) return this.tokens.authenticate(cookie, 'cookie', request);
    return undefined;
  }

  /** The caller of a stream token in the query, or undefined when there is none. */
  private async streamToken(request: Request): Promise<Principal | undefined> {
    const token = new URL(request.url ?? '/', 'http://gateway').searchParams.get('stream_token');
    return token ? this.streamTokens.authenticate(token) : undefined;
  }

  /**
   * One count against the caller's budget: the API key's, the user's, or the client address's
   * when there is no (valid) credential and for the credential routes (login, register, reset).
   */
  private async limitBudget(request: Request, response: ServerResponse, limitClass: RateLimitClass, principal: Principal | undefined): Promise<void> {
    if (limitClass === 'credentials' || !principal) {
      await this.limit(response, `ip:${this.address(request)}`, this.config.RATE_LIMIT_ANONYMOUS);
    } else if (principal.credential.kind === 'api-key') {
      await this.limit(response, `key:${principal.credential.keyId}`, this.config.RATE_LIMIT_API_KEY);
    } else {
      await this.limit(response, `user:${principal.userId}`, this.config.RATE_LIMIT_USER);
    }
  }

  private address(request: Request): string {
    return clientAddress(request, this.config.TRUST_PROXY_HOPS);
  }

  private async limit(response: ServerResponse, key: string, limit: number): Promise<void> {
    const decision: RateLimitDecision = await this.limiter.consume(key, limit, this.config.RATE_LIMIT_WINDOW);
    if (!response.headersSent) {
      response.setHeader('RateLimit-Limit', String(decision.limit));
      response.setHeader('RateLimit-Remaining', String(decision.remaining));
      response.setHeader('RateLimit-Reset', String(decision.resetSeconds));
      response.setHeader('RateLimit-Policy', `${decision.limit};w=${decision.windowSeconds}`);
    }
    if (!decision.allowed) {
      throw new LeapError('RATE_LIMIT.EXCEEDED', `Too many requests: ${decision.limit} per ${decision.windowSeconds}s. Try again in ${decision.resetSeconds}s`, {
        status: 429,
        details: { retryAfterSeconds: decision.resetSeconds, limit: decision.limit, windowSeconds: decision.windowSeconds },
      });
    }
  }
}
