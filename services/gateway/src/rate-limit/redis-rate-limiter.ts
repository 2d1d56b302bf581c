import type { OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { Logger } from 'winston';
import { RateLimiter, type RateLimitDecision } from '../access/authenticators';
import { decisionOf, windowStartOf } from './fixed-window';
import { InProcessRateLimiter } from './in-process-rate-limiter';

/**
 * One atomic step: count the request and, on the window's first hit (or if a key somehow lost its
 * expiry), let the counter expire shortly after the window ends.
 */
const CONSUME_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 or redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count`;

/** Counters outlive their window by this much, so replicas with slightly skewed clocks agree. */
const EXPIRY_SLACK_MS = 5_000;
/** A Redis that answers slower than this counts as unreachable for that request. */
const COMMAND_TIMEOUT_MS = 250;

type ScriptedRedis = Redis & { leapRateLimit(key: string, ttlMs: number): Promise<number> };

export interface RedisRateLimiterOptions {
  url: string;
  /** Key prefix; counters are `${prefix}${key}:${windowStart}`. */
  prefix: string;
  logger: Logger;
}

/**
 * Fixed windows counted in Redis, so every gateway replica draws from the same budget. While Redis
 * cannot be reached, requests are counted in this process instead (each replica then allows the
 * full budget on its own): a Redis outage slows nobody down and refuses nobody wrongly. The
 * outage is logged once when it starts and once when Redis is back.
 */
export class RedisRateLimiter extends RateLimiter implements OnModuleDestroy {
  private readonly redis: ScriptedRedis;
  private readonly fallback: InProcessRateLimiter;
  private degraded = false;
  private closing = false;

  constructor(
    private readonly options: RedisRateLimiterOptions,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.fallback = new InProcessRateLimiter(now);
    this.redis = new Redis(options.url, {
      // Fail at once while disconnected instead of queueing: the fallback answers.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 250, 2_000),
    }) as ScriptedRedis;
    this.redis.defineCommand('leapRateLimit', { numberOfKeys: 1, lua: CONSUME_SCRIPT });
    this.redis.on('error', (error: Error) => this.degrade(error));
    this.redis.on('close', () => this.closing || this.degrade(new Error('connection closed')));
    this.redis.on('ready', () => this.recover());
  }

  async consume(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = this.now();
    const start = windowStartOf(now, windowMs);
    if (this.redis.status === 'ready') {
      try {
        const count = Number(await this.redis.leapRateLimit(`${this.options.prefix}${key}:${start}`, start + windowMs - now + EXPIRY_SLACK_MS));
        this.recover();
        return decisionOf(count, limit, start, windowMs, now);
      } catch (error) {
        this.degrade(error as Error);
      }
    }
    return this.fallback.count(key, limit, windowMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  private degrade(error: Error): void {
    if (this.degraded) return;
    this.degraded = true;
    this.options.logger.warn(`Redis is unreachable (${error.message}); rate limits are counted per gateway process until it is back`);
  }

  private recover(): void {
    if (!this.degraded) return;
    this.degraded = false;
    this.options.logger.info('Redis is reachable again; rate limits are shared across gateway replicas');
  }
}
