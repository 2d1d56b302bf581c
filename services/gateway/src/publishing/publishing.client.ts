import { Inject, Injectable } from '@nestjs/common';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { PayloadOf, QueryType, ReplyOf } from '@leap/contracts';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';

/**
 * Asks the publishing service (request/reply). Its refusals (4xx with their own codes) reach the
 * caller as they are; no answer in time, or a failure on its side, is 503 PUBLISHING.UNAVAILABLE.
 */
@Injectable()
export class PublishingClient {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'PUBLISHING_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async ask<Q extends QueryType>(type: Q, query: PayloadOf<Q> & { userId: string }): Promise<ReplyOf<Q>> {
    try {
      return (await this.bus.request(type, query, { tenant: query.userId, timeoutMs: this.config.PUBLISHING_REQUEST_TIMEOUT })) as ReplyOf<Q>;
    } catch (error) {
      // A connect the owner cannot finish for want of its OAuth app's secret says so (503 OAUTH.NOT_CONFIGURED).
      const notConfigured = error instanceof LeapError && error.code === 'OAUTH.NOT_CONFIGURED';
      if (error instanceof LeapError && (notConfigured || (error.status >= 400 && error.status < 500 && /^(PUBLISHING|PRESET|CREDENTIAL|TARGET|OAUTH)\./.test(error.code)))) {
        throw new LeapError(error.code, error.message, { status: error.status });
      }
      this.logger.warn(`publishing did not answer ${type}: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('PUBLISHING.UNAVAILABLE', 'The publishing service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
  }
}
