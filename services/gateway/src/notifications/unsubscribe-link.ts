import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NotificationKind } from './notification-kinds';

/**
 * The unsubscribe link of a notification mail: it works without signing in, so it carries the
 * user and the kind, signed with an HMAC of the gateway; it turns off that one kind for that one
 * user, and nothing else. It does not expire (an old mail's link still unsubscribes).
 */
export class UnsubscribeLinks {
  constructor(
    private readonly key: Buffer,
    private readonly publicBaseUrl: string,
  ) {}

  link(userId: string, kind: NotificationKind): string {
    const query = new URLSearchParams({ user: userId, kind, sig: this.sign(userId, kind) });
    return `${this.publicBaseUrl.replace(/\/$/, '')}/api/v1/notifications/unsubscribe?${query}`;
  }

  verify(userId: string, kind: NotificationKind, signature: string): boolean {
    const expected = Buffer.from(this.sign(userId, kind));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(userId: string, kind: NotificationKind): string {
    return createHmac('sha256', this.key).update(`unsubscribe\n${userId}\n${kind}`).digest('base64url');
  }
}
