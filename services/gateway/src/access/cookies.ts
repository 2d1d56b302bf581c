import { timingSafeEqual } from 'node:crypto';
import { headerOf, type HttpRequest as Request } from '../common/http-types';
import { csrfFailed } from './problems';

/** Cookie names of the browser mode. */
export const COOKIE = {
  access: 'access_token',
  refresh: 'refresh_token',
  csrf: 'csrf_token',
  persistent: 'leap_persistent',
} as const;

/** The refresh cookie is only sent to the auth endpoints. */
export const REFRESH_COOKIE_PATH = '/api/v1/auth';

/** Parses the `Cookie` header (RFC 6265: `name=value; name2=value2`). */
export function cookiesOf(request: Request): Record<string, string> {
  const header = headerOf(request, 'cookie');
  const result: Record<string, string> = {};
  if (!header) return result;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const name = part.slice(0, index).trim();
    let value = part.slice(index + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!(name in result)) {
      try {
        result[name] = decodeURIComponent(value);
      } catch {
        result[name] = value;
      }
    }
  }
  return result;
}

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF check of a cookie-authenticated state change: the `X-CSRF-Token` header must be the token of
 * the session (`expected`, see csrf-token.ts), which the app got at login and reads from the
 * `csrf_token` cookie. Without a session to bind it to there is nothing it could match.
 */
export function assertCsrf(request: Request, expected: string | undefined): void {
  if (SAFE_METHODS.has((request.method ?? 'GET').toUpperCase())) return;
  const header = headerOf(request, 'x-csrf-token');
  if (!expected || !header) throw csrfFailed();
  const a = Buffer.from(expected);
  const b = Buffer.from(header);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw csrfFailed();
}
