import { createHmac, timingSafeEqual } from 'node:crypto';
import { LeapError } from '@leap/errors';

/** Zoom's documented window: a request whose timestamp is further off than this is refused (a replay). */
export const ZOOM_WEBHOOK_MAX_SKEW_MS = 5 * 60_000;

/** `v0=<hex HMAC-SHA256(secretToken, "v0:{timestamp}:{body}")>`, Zoom's `x-zm-signature`. */
export function zoomWebhookSignature(secretToken: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secretToken).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Whether `signature` is the body's signature with this secret token, compared in constant time. */
export function signatureMatches(secretToken: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(zoomWebhookSignature(secretToken, timestamp, body));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The `encryptedToken` of an `endpoint.url_validation` answer: hex HMAC-SHA256(secretToken, plainToken). */
export function urlValidationToken(secretToken: string, plainToken: string): string {
  return createHmac('sha256', secretToken).update(plainToken).digest('hex');
}

/**
 * The `x-zm-request-timestamp` header, in seconds since the epoch, checked against `now`: a
 * missing, malformed or more than 5 minutes off timestamp is ZOOM_WEBHOOK.STALE_TIMESTAMP (401).
 */
export function checkZoomTimestamp(timestamp: string | undefined, now: Date): void {
  const seconds = /^\d{1,12}$/.test(timestamp ?? '') ? Number(timestamp) : Number.NaN;
  if (Number.isNaN(seconds) || Math.abs(now.getTime() - seconds * 1000) > ZOOM_WEBHOOK_MAX_SKEW_MS) {
    throw new LeapError('ZOOM_WEBHOOK.STALE_TIMESTAMP', 'x-zm-request-timestamp is missing or more than 5 minutes off', { retryable: false, status: 401 });
  }
}

export function signatureInvalid(): LeapError {
  return new LeapError('ZOOM_WEBHOOK.SIGNATURE_INVALID', 'x-zm-signature does not match the webhook secret token of any Zoom credential', { retryable: false, status: 401 });
}

export function webhookInvalid(reason: string): LeapError {
  return new LeapError('ZOOM_WEBHOOK.INVALID', `Not a Zoom event: ${reason}`, { retryable: false, status: 400 });
}

/** A Zoom event as far as LEAP reads it. */
export interface ZoomEvent {
  event: string;
  event_ts?: number;
  payload: {
    account_id?: string;
    plainToken?: string;
    object?: Record<string, unknown>;
  };
}

/** The body as a Zoom event (`{event, payload}`), else ZOOM_WEBHOOK.INVALID (400). */
export function parseZoomEvent(body: string): ZoomEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw webhookInvalid('the body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw webhookInvalid('the body is not an object');
  const event = value as { event?: unknown; payload?: unknown };
  if (typeof event.event !== 'string' || !event.event) throw webhookInvalid('event is missing');
  if (typeof event.payload !== 'object' || event.payload === null || Array.isArray(event.payload)) throw webhookInvalid('payload is missing');
  const payload = event.payload as ZoomEvent['payload'];
  if (payload.account_id !== undefined && typeof payload.account_id !== 'string') throw webhookInvalid('payload.account_id is not a string');
  return value as ZoomEvent;
}
