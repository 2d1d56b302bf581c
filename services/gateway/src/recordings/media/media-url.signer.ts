import { createHmac, timingSafeEqual } from 'node:crypto';
import { LeapError } from '@leap/messaging';
import { assertSafeKey } from '@leap/storage-client';

/** Where signed local media URLs are served: `/api/v1/media/<token>?expires=<unix s>&signature=<hmac>`. */
export const MEDIA_PATH = '/api/v1/media';

/** The longest a media URL may live: 7 days, as S3 allows for presigned URLs. */
export const MEDIA_URL_MAX_SECONDS = 7 * 24 * 3600;
export const MEDIA_URL_DEFAULT_SECONDS = 3600;

const TOKEN = /^[A-Za-z0-9_-]{1,2048}$/;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

export function mediaUrlInvalid(): LeapError {
  return new LeapError('MEDIA.URL_INVALID', 'This media URL is not valid: it was altered or signed by another key', { status: 403 });
}

export function mediaUrlExpired(): LeapError {
  return new LeapError('MEDIA.URL_EXPIRED', 'This media URL has expired; ask for a new one', { status: 403 });
}

/**
 * Signs and checks gateway media URLs for the local backend. The path carries the storage key
 * (base64url); the signature is an HMAC-SHA256 over the path and the expiry, so neither can be
 * changed, and a URL opens only the object it was made for until it expires.
 */
export class MediaUrlSigner {
  constructor(
    private readonly secret: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  /** The path and query of a URL for `key` that works for `expiresInSeconds`. */
  sign(key: string, expiresInSeconds: number): string {
    const path = `${MEDIA_PATH}/${Buffer.from(key, 'utf8').toString('base64url')}`;
    const expires = Math.floor(this.now() / 1000) + expiresInSeconds;
    return `${path}?expires=${expires}&signature=${this.mac(path, expires)}`;
  }

  /** The storage key a URL was signed for; 403 `MEDIA.URL_INVALID` when altered, `MEDIA.URL_EXPIRED` when too late. */
  verify(token: string, expires: unknown, signature: unknown): string {
    if (!TOKEN.test(token) || typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string' || !SIGNATURE.test(signature)) {
      throw mediaUrlInvalid();
    }
    const expected = Buffer.from(this.mac(`${MEDIA_PATH}/${token}`, Number(expires)));
    if (!timingSafeEqual(expected, Buffer.from(signature))) throw mediaUrlInvalid();
    if (this.now() >= Number(expires) * 1000) throw mediaUrlExpired();
    const key = Buffer.from(token, 'base64url').toString('utf8');
    // Only a key we signed gets here; a leaked secret still cannot reach outside the store.
    try {
      return assertSafeKey(key);
    } catch {
      throw mediaUrlInvalid();
    }
  }

  private mac(path: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`GET\n${path}\n${expires}`).digest('base64url');
  }
}
