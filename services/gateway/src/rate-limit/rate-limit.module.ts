import { Module } from '@nestjs/common';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { RateLimiter } from '../access/authenticators';
import type { GatewayConfig } from '../config/config.schema';
import { InProcessRateLimiter } from './in-process-rate-limiter';
import { RedisRateLimiter } from './redis-rate-limiter';

/**
 * The rate limiter of the access guard: shared through Redis when `REDIS_URL` is set (several
 * replicas), else counted in this process (a single gateway, the embedded mode).
 */
@Module({
  providers: [
    {
      provide: RateLimiter,
      inject: [SERVICE_CONFIG, SERVICE_LOGGER],
      useFactory: (config: Pick<GatewayConfig, 'REDIS_URL' | 'RATE_LIMIT_REDIS_PREFIX'>, logger: Logger): RateLimiter =>
        config.REDIS_URL ? new RedisRateLimiter({ url: config.REDIS_URL, prefix: config.RATE_LIMIT_REDIS_PREFIX, logger }) : new InProcessRateLimiter(),
    },
  ],
  exports: [RateLimiter],
})
export class RateLimitModule {}
