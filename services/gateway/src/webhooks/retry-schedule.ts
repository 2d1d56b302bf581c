/**
 * When a failed delivery is tried again: the schedule's delay for this attempt (±`jitter`, so
 * that receivers that came back are not hit by every retry at once), or what the receiver asked
 * for with Retry-After when that is later, capped at `maxRetryAfterMs`. Undefined: no attempts left.
 */
export function nextRetryInMs(
  schedule: number[],
  failedAttempt: number,
  options: { retryAfterMs?: number; maxRetryAfterMs: number; jitter?: number; random?: () => number },
): number | undefined {
  const base = schedule[failedAttempt - 1];
  if (base === undefined) return undefined;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  const delay = Math.round(base * (1 - jitter + 2 * jitter * random()));
  const asked = options.retryAfterMs === undefined ? 0 : Math.min(options.retryAfterMs, options.maxRetryAfterMs);
  return Math.max(delay, asked);
}

/** A Retry-After header (seconds, or an HTTP date) in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
