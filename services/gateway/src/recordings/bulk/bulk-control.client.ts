import { Inject, Injectable } from '@nestjs/common';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { MESSAGE_TYPES, type ControlledRecording, type ControlRecordings, type RunOverrides, type StageRerunSettings } from '@leap/contracts';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../../config/config.schema';

/** Ingest's bulk run, pause and stage re-runs (request/reply): one answer per recording, decided as the single routes decide. */
@Injectable()
export class BulkControlClient {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** The run's own config refused as ingest answers it (422, 404); 503 `INGEST.UNAVAILABLE` when ingest does not answer in time or fails: nothing is known to have changed. */
  async control(
    userId: string,
    operation: string,
    recordingIds: string[],
    dryRun: boolean,
    options: { settings?: StageRerunSettings; overrides?: RunOverrides } = {},
  ): Promise<ControlledRecording[]> {
    const query: ControlRecordings = {
      userId,
      operation,
      recordingIds,
      dryRun,
      ...(options.settings ? { settings: options.settings } : {}),
      ...(options.overrides ? { overrides: options.overrides } : {}),
    };
    try {
      const reply = await this.bus.request(MESSAGE_TYPES.ingest.ControlRecordings, query, { tenant: userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT });
      return reply.items ?? [];
    } catch (error) {
      // The run's own config refused: a bad field, or a template the caller does not have.
      if (error instanceof LeapError && (error.code === 'RECORDING_CONFIG.INVALID' || error.code === 'TEMPLATE.NOT_FOUND')) {
        throw new LeapError(error.code, error.message, { status: error.status, details: error.details });
      }
      this.logger.warn(`ingest did not answer a bulk ${operation}: ${(error as Error).message}`, { code: error instanceof LeapError ? error.code : undefined });
      throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
  }
}
