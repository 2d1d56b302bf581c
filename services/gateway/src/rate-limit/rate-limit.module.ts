import { Injectable, Module } from '@nestjs/common';
import { RateLimiter, type RateLimitDecision } from '../access/authenticators';

/** Fixed windows counted in this process. */
@Injectable()
class InProcessRateLimiter extends RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  async consume(key: string, limit: number, windowMs: number): Promise<RateLimitDecision> {
    const now = Date.now();
    const start = now - (now % windowMs);
    let window = this.windows.get(key);
    if (!window || window.start !== start) {
      window = { start, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
    return { allowed: window.count <= limit, limit, remaining: Math.max(0, limit - window.count), resetSeconds, windowSeconds: Math.round(windowMs / 1000) };
  }
}

@Module({
  providers: [{ provide: RateLimiter, useClass: InProcessRateLimiter }],
  exports: [RateLimiter],
})
export class RateLimitModule {}
