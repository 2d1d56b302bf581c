import { SetMetadata } from '@nestjs/common';
import type { FeatureFlag, Scope } from './principal';

export const PUBLIC_ROUTE = 'leap:public';
export const REQUIRED_SCOPE = 'leap:scope';
export const ADMIN_ONLY = 'leap:admin-only';
export const REQUIRED_FLAG = 'leap:flag';
export const RATE_LIMIT_CLASS = 'leap:rate-limit-class';
export const IDEMPOTENT_ROUTE = 'leap:idempotent';
export const STREAM_TOKEN_ROUTE = 'leap:stream-token';

/** No credential needed (a credential, when given, is still checked and used). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The scope a route needs. Without it: `read` for GET and HEAD, `write` for every other method,
 * `admin` under `@AdminOnly()`.
 */
export const RequireScope = (scope: Scope) => SetMetadata(REQUIRED_SCOPE, scope);

/** Admins only (role `admin`, and an API key needs the `admin` scope). */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** The caller's account must have this feature flag on, else 403 `FEATURE.DISABLED`. */
export const RequireFlag = (flag: FeatureFlag) => SetMetadata(REQUIRED_FLAG, flag);

/**
 * Which rate-limit budget the route draws from: `api` (default) or `credentials` (login, register,
 * password reset: counted per client address as well, so guessing passwords is slow).
 */
export type RateLimitClass = 'api' | 'credentials' | 'none';
export const RateLimitClass = (value: RateLimitClass) => SetMetadata(RATE_LIMIT_CLASS, value);

export interface IdempotentOptions {
  /**
   * Top-level members of the answer that are never stored (a secret shown once, such as a new API
   * key): a replay answers without them.
   */
  notStored?: string[];
}

/**
 * A POST that creates or starts work: an `Idempotency-Key` header makes a retry with the same key
 * and body replay the first answer; the same key with another body is 422.
 */
export const Idempotent = (options: IdempotentOptions = {}) => SetMetadata(IDEMPOTENT_ROUTE, { notStored: options.notStored ?? [] });

/**
 * An event stream route: besides the usual credentials it takes a stream token in the
 * `stream_token` query parameter (for `EventSource`, which cannot send headers), read-only.
 */
export const AcceptsStreamToken = () => SetMetadata(STREAM_TOKEN_ROUTE, true);
