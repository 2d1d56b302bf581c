import { createHmac } from 'node:crypto';

/**
 * The CSRF token of a session: an HMAC of its id under the gateway's secret. A page on another
 * site can neither read it nor compute it, and a `csrf_token` cookie planted by a sibling domain
 * proves nothing, since only the token of the very session the cookie belongs to passes.
 */
export function csrfTokenFor(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(`leap-csrf:${sessionId}`, 'utf8').digest('base64url');
}
