import { createHash } from 'node:crypto';
import { validationError } from '../common/problem-details';
import { headerOf, type HttpRequest as Request } from '../common/http-types';

/** The request header carrying the client's key. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** Set on every answer that is a replay of an earlier one. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

/** The request's `Idempotency-Key`, undefined without one; 400 `VALIDATION.FAILED` for a malformed key. */
export function idempotencyKeyOf(request: Request): string | undefined {
  const key = headerOf(request, IDEMPOTENCY_KEY_HEADER);
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) throw validationError([{ field: IDEMPOTENCY_KEY_HEADER, message: 'must be 1-200 letters, digits or ._:-' }]);
  return key;
}

/** The path of the request, without its query. */
export function requestPath(request: Request): string {
  return (request.originalUrl ?? request.url ?? '/').split('?')[0]!;
}

/** Object keys sorted at every depth, so equal JSON documents serialise equally. */
export function canonicalJson(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(canonical(value)) ?? '';
}

/** What makes two requests "the same" for a key: sha256 (hex) of method, path and canonical body. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method.toUpperCase()}\n${path}\n${canonicalJson(body)}`).digest('hex');
}

const REPLAYED = Symbol('leap:idempotent-replayed');

/**
 * Marks a request whose answer is a replay. Routes that apply the rules themselves (uploads) use it;
 * the idempotency interceptor then sets `Idempotent-Replayed: true` on the answer.
 */
export function markReplayed(request: Request): void {
  (request as unknown as Record<symbol, boolean>)[REPLAYED] = true;
}

export function wasReplayed(request: Request): boolean {
  return (request as unknown as Record<symbol, boolean | undefined>)[REPLAYED] === true;
}
