import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** Give up after this long (default 30 s: long enough for real processes on a loaded machine; a passing wait returns as soon as its state is there). */
  timeoutMs?: number;
  /** Pause between attempts (default 50 ms). */
  intervalMs?: number;
}

/**
 * Re-runs `assertion` until it resolves, and returns its value; when `timeoutMs` runs out, throws
 * the error of the last attempt. For effects that happen asynchronously (a message consumed, a
 * row written by a relay) without sleeping for a fixed time.
 */
export async function eventually<T>(assertion: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() + intervalMs > deadline) {
        if (error instanceof Error) error.message = `${error.message}\n(still failing after ${attempt} attempts in ${timeoutMs} ms)`;
        throw error;
      }
    }
    await sleep(intervalMs);
  }
}
