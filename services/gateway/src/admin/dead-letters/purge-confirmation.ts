import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ParkedSelection } from '@leap/messaging';

/**
 * The token a purge must be confirmed with. Stateless: an HMAC over who asked, what they would
 * purge and until when, so it cannot be reused by someone else, for something else, or later.
 */
export class PurgeConfirmation {
  constructor(
    private readonly key: Buffer,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  issue(actorId: string, selection: ParkedSelection): { token: string; expiresAt: string } {
    const expires = this.now() + this.ttlMs;
    return { token: `${expires.toString(36)}.${this.sign(actorId, selection, expires)}`, expiresAt: new Date(expires).toISOString() };
  }

  /** Whether `token` was issued to `actorId` for exactly `selection` and has not expired. */
  verify(token: string, actorId: string, selection: ParkedSelection): boolean {
    const [expiresPart, signature] = token.split('.');
    const expires = parseInt(expiresPart ?? '', 36);
    if (!signature || !Number.isFinite(expires) || expires < this.now()) return false;
    const expected = Buffer.from(this.sign(actorId, selection, expires));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(actorId: string, selection: ParkedSelection, expires: number): string {
    return createHmac('sha256', this.key).update(`${actorId}\n${canonical(selection)}\n${expires}`).digest('base64url');
  }
}

function canonical(selection: ParkedSelection): string {
  if ('ids' in selection) return `ids:${[...selection.ids].sort().join(',')}`;
  if ('group' in selection) return `group:${selection.group}`;
  if ('queue' in selection) return `queue:${selection.queue}:${selection.source ?? '*'}`;
  return 'all';
}
