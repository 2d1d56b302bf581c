import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type ConnectSourceAccount, type SourceAccountConnected } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';

/**
 * Hands a source platform's OAuth code to ingest (request/reply), which keeps Zoom and Yandex Disk
 * input credentials. Its refusals (4xx `OAUTH.*`, `CREDENTIAL.*`, and 503 `OAUTH.NOT_CONFIGURED`
 * when its app secret is missing) reach the caller as they are; no answer in time, or a failure
 * on its side, is 503 `INGEST.UNAVAILABLE`.
 */
@Injectable()
export class IngestAccountsClient {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async connect(query: ConnectSourceAccount): Promise<SourceAccountConnected> {
    const type = MESSAGE_TYPES.ingest.ConnectSourceAccount;
    try {
      return (await this.bus.request(type, query, { tenant: query.userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT })) as SourceAccountConnected;
    } catch (error) {
      if (error instanceof LeapError && (passedOn(error) || error.code === 'OAUTH.NOT_CONFIGURED' || error.code === 'CREDENTIAL.ENCRYPTION_UNCONFIGURED')) {
        throw new LeapError(error.code, error.message, { status: error.status });
      }
      this.logger.warn(`ingest did not answer ${type}: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; try again shortly', { status: 503, retryable: true, details: { retryAfterSeconds: 5 }, cause: error });
    }
  }
}

function passedOn(error: LeapError): boolean {
  return error.status >= 400 && error.status < 500 && /^(OAUTH|CREDENTIAL)\./.test(error.code);
}
