import { LeapError } from '@leap/errors';

/** How hard one platform account may be called, and when to stop calling it for a while. */
export interface GateSettings {
  /** Calls per second per account (a token bucket; 0: no limit). */
  requestsPerSecond: number;
  /** Calls the bucket lets through at once after a quiet spell. */
  burst: number;
  /** Rate, quota or server failures in a row that open the account's circuit. */
  failureThreshold: number;
  /** How long an open circuit lets nothing through (longer when the platform's Retry-After says so). */
  cooldownMs: number;
  /** The longest a call waits for an open circuit before giving up with `PUBLISHING.CIRCUIT_OPEN` (its job then tries again later). */
  maxWaitMs: number;
}

/** The errors that count against an account's circuit: the platform is overloaded or limiting us, not refusing the request. */
const TRIPPING = new Set(['PUBLISHING.RATE_LIMITED', 'PUBLISHING.QUOTA_EXCEEDED', 'PUBLISHING.PLATFORM_ERROR']);

interface Account {
  tokens: number;
  refilledAt: number;
  failures: number;
  openUntil: number;
  probing: boolean;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Per-account rate limits and circuit breakers for platform API calls (one replica's view: each
 * replica limits its own calls). A call takes a token from its account's bucket, waiting for one
 * when the bucket is empty. Failures that say the platform is limiting or overloaded (429, quota,
 * VK errors 6 and 9, 5xx) count in a row; at the threshold the circuit opens for the cooldown
 * (or the platform's Retry-After, when longer), and calls on that account wait instead of reaching
 * the platform. When it ends, one call goes through as a probe: success closes the circuit, another
 * such failure opens it again, and the calls waiting behind it go on only once it has closed.
 */
export class PlatformGate {
  private readonly accounts = new Map<string, Account>();

  constructor(
    private readonly platform: string,
    private readonly settings: GateSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs `call` for the account `key` within its rate limit and circuit. */
  async run<T>(key: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const account = this.account(key);
    let probe = false;
    for (;;) {
      signal?.throwIfAborted();
      const wait = account.openUntil - this.now();
      if (wait > 0) {
        if (wait > this.settings.maxWaitMs) throw this.openError(account, wait);
        await sleep(wait, signal);
        continue;
      }
      if (account.openUntil > 0) {
        // Half-open: one probe at a time; the others wait for its outcome.
        if (account.probing) {
          await sleep(Math.min(200, Math.max(20, this.settings.cooldownMs / 10)), signal);
          continue;
        }
        account.probing = true;
        probe = true;
      }
      break;
    }
    try {
      await this.takeToken(account, signal);
      const result = await call();
      account.failures = 0;
      account.openUntil = 0;
      return result;
    } catch (error) {
      const code = (error as LeapError)?.code;
      if (!TRIPPING.has(code)) {
        // The platform answered (a refusal is not an outage): a probe that gets this far closes the circuit.
        if (probe) account.openUntil = 0;
        account.failures = 0;
        throw error;
      }
      account.failures += 1;
      if (probe || account.failures >= this.settings.failureThreshold) {
        const retryAfterMs = Number((error as LeapError).details?.retryAfterSeconds ?? 0) * 1000;
        const openFor = Math.max(this.settings.cooldownMs, retryAfterMs);
        account.openUntil = this.now() + openFor;
        throw new LeapError('PUBLISHING.CIRCUIT_OPEN', `${this.platform}: the account's circuit is open for ${Math.ceil(openFor / 1000)} s after ${account.failures} failures in a row (${(error as Error).message})`, {
          retryable: true,
          status: 503,
          details: { retryInMs: openFor, failures: account.failures },
          cause: error,
        });
      }
      throw error;
    } finally {
      if (probe) account.probing = false;
    }
  }

  /** Whether the account's circuit is open now (for tests and diagnostics). */
  isOpen(key: string): boolean {
    return (this.accounts.get(key)?.openUntil ?? 0) > this.now();
  }

  private openError(account: Account, waitMs: number): LeapError {
    return new LeapError('PUBLISHING.CIRCUIT_OPEN', `${this.platform}: the account's circuit is open for ${Math.ceil(waitMs / 1000)} s more after ${account.failures} failures in a row`, {
      retryable: true,
      status: 503,
      details: { retryInMs: waitMs, failures: account.failures },
    });
  }

  private async takeToken(account: Account, signal?: AbortSignal): Promise<void> {
    const { requestsPerSecond: rate, burst } = this.settings;
    if (rate <= 0) return;
    for (;;) {
      const now = this.now();
      account.tokens = Math.min(burst, account.tokens + ((now - account.refilledAt) / 1000) * rate);
      account.refilledAt = now;
      if (account.tokens >= 1) {
        account.tokens -= 1;
        return;
      }
      await sleep(Math.ceil(((1 - account.tokens) / rate) * 1000), signal);
    }
  }

  private account(key: string): Account {
    let account = this.accounts.get(key);
    if (!account) {
      account = { tokens: this.settings.burst, refilledAt: this.now(), failures: 0, openUntil: 0, probing: false };
      this.accounts.set(key, account);
    }
    return account;
  }
}
