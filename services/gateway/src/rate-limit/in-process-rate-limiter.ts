import { RateLimiter, type RateLimitDecision } from '../access/authenticators';
import { decisionOf, windowStartOf } from './fixed-window';

/** How often ended windows are dropped from the map. */
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Fixed windows counted in this process: exact for a single gateway (and the embedded mode), and
 * the fallback of the Redis limiter while Redis cannot be reached. Ended windows are dropped, so
 * the map holds only the callers of the current window.
 */
export class InProcessRateLimiter extends RateLimiter {
  private readonly windows = new Map<string, { start: number; end: number; count: number }>();
  private nextSweep = 0;

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  async consume(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    return this.count(key, limit, windowMs);
  }

  /** The synchronous core of `consume`. */
  count(key: string, limit: number, windowMs: number): RateLimitDecision {
    const now = this.now();
    this.sweep(now);
    const start = windowStartOf(now, windowMs);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, end: start + windowMs, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    return decisionOf(window.count, limit, start, windowMs, now);
  }

  /** Number of keys currently counted. */
  get size(): number {
    return this.windows.size;
  }

  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + SWEEP_INTERVAL_MS;
    for (const [key, window] of this.windows) if (window.end <= now) this.windows.delete(key);
  }
}
