import type { RateLimitDecision } from '../access/authenticators';

/**
 * Start of the fixed window `now` falls in. Windows are aligned on the epoch, so every replica
 * computes the same window (and the same Redis key) for the same moment.
 */
export function windowStartOf(now: number, windowMs: number): number {
  return now - (now % windowMs);
}

/** The decision for the `count`-th request of the window starting at `windowStart`. */
export function decisionOf(count: number, limit: number, windowStart: number, windowMs: number, now: number): RateLimitDecision {
  return {
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000)),
    windowSeconds: Math.max(1, Math.round(windowMs / 1000)),
  };
}
