import { Webhook } from 'standardwebhooks';
import { catalog } from '@leap/contracts';
import { isKnownFilter, matches, PUBLIC_EVENT_TYPES } from './event-types';
import { nextRetryInMs, parseRetryAfter } from './retry-schedule';
import { newSecret, webhookHeaders } from './signing';

describe('webhook signing', () => {
  it('signs as Standard Webhooks does: the standardwebhooks library verifies it, with either secret while two sign', () => {
    const [current, previous] = [newSecret(), newSecret()];
    expect(current).toMatch(/^whsec_/);
    const body = JSON.stringify({ type: 'webhook.ping', data: {} });
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([current, previous], 'msg_1', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual({ type: 'webhook.ping', data: {} });
    expect(new Webhook(previous).verify(body, headers)).toEqual({ type: 'webhook.ping', data: {} });
    expect(() => new Webhook(newSecret()).verify(body, headers)).toThrow();
  });
});

describe('the retry schedule', () => {
  const schedule = [1000, 10_000, 100_000];

  it('waits the schedule of the attempt, within ±20 %, and gives up after the last', () => {
    expect(nextRetryInMs(schedule, 1, { maxRetryAfterMs: 0, random: () => 0 })).toBe(800);
    expect(nextRetryInMs(schedule, 2, { maxRetryAfterMs: 0, random: () => 1 })).toBe(12_000);
    expect(nextRetryInMs(schedule, 3, { maxRetryAfterMs: 0, random: () => 0.5 })).toBe(100_000);
    expect(nextRetryInMs(schedule, 4, { maxRetryAfterMs: 0 })).toBeUndefined();
  });

  it('honours a later Retry-After, up to its cap, and never waits less than the schedule', () => {
    expect(nextRetryInMs(schedule, 1, { retryAfterMs: 60_000, maxRetryAfterMs: 3_600_000, random: () => 0.5 })).toBe(60_000);
    expect(nextRetryInMs(schedule, 1, { retryAfterMs: 86_400_000, maxRetryAfterMs: 3_600_000, random: () => 0.5 })).toBe(3_600_000);
    expect(nextRetryInMs(schedule, 2, { retryAfterMs: 1, maxRetryAfterMs: 3_600_000, random: () => 0.5 })).toBe(10_000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 10:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('the public event catalogue', () => {
  it('names only events of the bus, under the proto message each carries', () => {
    for (const type of PUBLIC_EVENT_TYPES) {
      const def = catalog.get(type.source);
      expect({ name: type.name, kind: def?.kind, schema: def?.schema }).toEqual({ name: type.name, kind: 'event', schema: type.schema });
      expect(def!.validate(type.example)).toEqual([]);
    }
  });

  it('matches filters with a trailing wildcard, and knows which name no event', () => {
    expect(matches('recording.*', 'recording.deleted')).toBe(true);
    expect(matches('*', 'recording.deleted')).toBe(true);
    expect(matches('recording.deleted', 'recording.deleted')).toBe(true);
    expect(matches('recording.d*', 'recording.deleted')).toBe(false);
    expect(matches('media.*', 'recording.deleted')).toBe(false);
    expect(isKnownFilter('recording.*')).toBe(true);
    expect(isKnownFilter('media.*')).toBe(false);
  });
});
