import type { HttpRequest as Request } from '../common/http-types';
import type { Principal } from './principal';

/**
 * Turns an access token (JWT from `Authorization: Bearer` or the `access_token` cookie) into the
 * caller. Throws a 401/403 LeapError for a token that is invalid, expired, of a revoked session
 * or an older token version, or of a disabled account.
 */
export abstract class AccessTokenAuthenticator {
  abstract authenticate(token: string, via: 'bearer' | 'cookie', request: Request): Promise<Principal>;
}

/** API keys start with this prefix, which is how the guard tells them from JWTs. */
export const API_KEY_PREFIX = 'leap_';

/** Turns an API key into the caller; throws a 401 LeapError for an unknown, revoked or expired key. */
export abstract class ApiKeyAuthenticator {
  abstract authenticate(secret: string, request: Request): Promise<Principal>;
}

/** The outcome of counting one request against a budget. */
export interface RateLimitDecision {
  allowed: boolean;
  /** Requests allowed per window. */
  limit: number;
  /** Requests left in the current window (0 when refused). */
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** Window length in seconds (for the `RateLimit-Policy` header). */
  windowSeconds: number;
}

/** Counts requests per key in fixed windows, shared by every gateway replica when Redis is configured. */
export abstract class RateLimiter {
  abstract consume(key: string, limit: number, windowMs: number): Promise<RateLimitDecision>;
}

/**
 * Turns a stream token (`?stream_token=`, only on the event stream routes) into the caller, with
 * the `read` scope alone; throws a 401 LeapError for a token that is invalid, expired, of a
 * revoked session or an older token version.
 */
export abstract class StreamTokenAuthenticator {
  abstract authenticate(token: string): Promise<Principal>;
}
