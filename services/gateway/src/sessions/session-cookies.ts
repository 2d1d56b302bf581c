import type { ServerResponse } from 'node:http';
import type { GatewayConfig } from '../config/config.schema';
import { COOKIE, REFRESH_COOKIE_PATH } from '../access/cookies';

/** What the browser mode puts into cookies after a login, refresh or logout-others. */
export interface CookieGrant {
  accessToken: string;
  refreshToken: string;
  csrfToken: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  /** Remember me: cookies with Max-Age that survive closing the browser; otherwise session cookies. */
  persistent: boolean;
}

type CookieConfig = Pick<GatewayConfig, 'COOKIE_SECURE' | 'COOKIE_SAMESITE' | 'COOKIE_DOMAIN'>;

interface CookieOptions {
  path: string;
  httpOnly: boolean;
  maxAge?: number;
}

const SAME_SITE = { lax: 'Lax', strict: 'Strict', none: 'None' } as const;

/** Writes and clears the cookies of the browser mode with the configured Secure, SameSite and Domain. */
export class SessionCookies {
  constructor(private readonly config: CookieConfig) {}

  /** Sets access_token, refresh_token, csrf_token and (remember me) leap_persistent. */
  grant(response: ServerResponse, grant: CookieGrant): void {
    const age = (seconds: number) => (grant.persistent ? seconds : undefined);
    const cookies = [
      this.serialize(COOKIE.access, grant.accessToken, { path: '/', httpOnly: true, maxAge: age(grant.accessTtlSeconds) }),
      this.serialize(COOKIE.refresh, grant.refreshToken, { path: REFRESH_COOKIE_PATH, httpOnly: true, maxAge: age(grant.refreshTtlSeconds) }),
      this.serialize(COOKIE.csrf, grant.csrfToken, { path: '/', httpOnly: false, maxAge: age(grant.refreshTtlSeconds) }),
      grant.persistent
        ? this.serialize(COOKIE.persistent, '1', { path: '/', httpOnly: false, maxAge: grant.refreshTtlSeconds })
        : this.expired(COOKIE.persistent, '/', false),
    ];
    append(response, cookies);
  }

  /** Expires every cookie of the browser mode. */
  clear(response: ServerResponse): void {
    append(response, [
      this.expired(COOKIE.access, '/', true),
      this.expired(COOKIE.refresh, REFRESH_COOKIE_PATH, true),
      this.expired(COOKIE.csrf, '/', false),
      this.expired(COOKIE.persistent, '/', false),
    ]);
  }

  private expired(name: string, path: string, httpOnly: boolean): string {
    return `${this.serialize(name, '', { path, httpOnly, maxAge: 0 })}; Expires=Thu, 01 Jan 1970 00:00:00 GMT`;
  }

  private serialize(name: string, value: string, options: CookieOptions): string {
    const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${options.path}`];
    if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
    if (this.config.COOKIE_DOMAIN) parts.push(`Domain=${this.config.COOKIE_DOMAIN}`);
    if (options.httpOnly) parts.push('HttpOnly');
    // Browsers drop a SameSite=None cookie that is not Secure, so None implies Secure.
    if (this.config.COOKIE_SECURE || this.config.COOKIE_SAMESITE === 'none') parts.push('Secure');
    parts.push(`SameSite=${SAME_SITE[this.config.COOKIE_SAMESITE]}`);
    return parts.join('; ');
  }
}

function append(response: ServerResponse, cookies: string[]): void {
  const existing = response.getHeader('Set-Cookie');
  const before = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  response.setHeader('Set-Cookie', [...before, ...cookies]);
}
