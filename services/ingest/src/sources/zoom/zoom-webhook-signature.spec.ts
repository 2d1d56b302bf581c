import { createHmac } from 'node:crypto';
import { checkZoomTimestamp, parseZoomEvent, signatureMatches, urlValidationToken, zoomWebhookSignature } from './zoom-webhook-signature';

describe("Zoom's webhook signature", () => {
  const secret = 'secret-token-1';
  const body = '{"event":"recording.completed","payload":{"account_id":"acc"}}';

  it('is v0= and the hex HMAC-SHA256 of "v0:{timestamp}:{body}", as Zoom documents it', () => {
    const expected = createHmac('sha256', secret).update(`v0:1700000000:${body}`).digest('hex');
    expect(zoomWebhookSignature(secret, '1700000000', body)).toBe(`v0=${expected}`);
  });

  it('matches only the same secret, timestamp and bytes', () => {
    const signature = zoomWebhookSignature(secret, '1700000000', body);
    expect(signatureMatches(secret, '1700000000', body, signature)).toBe(true);
    expect(signatureMatches('another-secret', '1700000000', body, signature)).toBe(false);
    expect(signatureMatches(secret, '1700000001', body, signature)).toBe(false);
    expect(signatureMatches(secret, '1700000000', `${body} `, signature)).toBe(false);
    expect(signatureMatches(secret, '1700000000', body, 'v0=short')).toBe(false);
    expect(signatureMatches(secret, '1700000000', body, '')).toBe(false);
  });

  it("answers a URL validation with the hex HMAC-SHA256 of the plain token", () => {
    expect(urlValidationToken(secret, 'qgg8vlvZRS6UYooatFL8Aw')).toBe(createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'));
  });

  it('refuses a timestamp more than 5 minutes off, or none', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const seconds = (ms: number) => String(Math.floor(ms / 1000));
    expect(() => checkZoomTimestamp(seconds(now.getTime() - 4 * 60_000), now)).not.toThrow();
    expect(() => checkZoomTimestamp(seconds(now.getTime() - 6 * 60_000), now)).toThrow(expect.objectContaining({ code: 'ZOOM_WEBHOOK.STALE_TIMESTAMP', status: 401 }));
    expect(() => checkZoomTimestamp(seconds(now.getTime() + 6 * 60_000), now)).toThrow(expect.objectContaining({ code: 'ZOOM_WEBHOOK.STALE_TIMESTAMP' }));
    expect(() => checkZoomTimestamp(undefined, now)).toThrow(expect.objectContaining({ code: 'ZOOM_WEBHOOK.STALE_TIMESTAMP' }));
    expect(() => checkZoomTimestamp('yesterday', now)).toThrow(expect.objectContaining({ code: 'ZOOM_WEBHOOK.STALE_TIMESTAMP' }));
  });

  it('reads a Zoom event and refuses anything else with a clear reason', () => {
    expect(parseZoomEvent(body)).toEqual({ event: 'recording.completed', payload: { account_id: 'acc' } });
    expect(() => parseZoomEvent('not json')).toThrow(expect.objectContaining({ code: 'ZOOM_WEBHOOK.INVALID', status: 400, message: 'Not a Zoom event: the body is not JSON' }));
    expect(() => parseZoomEvent('[]')).toThrow(expect.objectContaining({ code: 'ZOOM_WEBHOOK.INVALID' }));
    expect(() => parseZoomEvent('{"payload":{}}')).toThrow(expect.objectContaining({ message: 'Not a Zoom event: event is missing' }));
    expect(() => parseZoomEvent('{"event":"x"}')).toThrow(expect.objectContaining({ message: 'Not a Zoom event: payload is missing' }));
  });
});
