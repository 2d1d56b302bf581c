import { Inject, Injectable } from '@nestjs/common';
import type { PayloadOf, QueryType, RecordingTemplate, ReplyOf, TemplateMatch } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import type { TemplateView } from './templates.dto';

const PASSED_THROUGH = /^(TEMPLATE\.|RECORDING_CONFIG\.)/;

export function templateView(t: RecordingTemplate): TemplateView {
  return {
    id: t.id,
    name: t.name,
    description: t.description ?? '',
    isDraft: t.isDraft ?? false,
    isActive: t.isActive ?? false,
    isDefault: t.isDefault ?? false,
    priority: t.priority ?? 0,
    matchingRules: t.matchingRules ?? {},
    processingConfig: t.processingConfig ?? {},
    metadataConfig: t.metadataConfig ?? {},
    outputConfig: t.outputConfig ?? {},
    usedCount: t.usedCount ?? 0,
    lastUsedAt: t.lastUsedAt ?? null,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

export const matchView = (m: TemplateMatch) => ({
  recordingId: m.recordingId,
  title: m.title ?? '',
  status: m.status ?? '',
  templateId: m.templateId || null,
  rule: m.rule as 'exact' | 'keyword' | 'pattern',
  value: m.value,
});

/** Asks ingest about templates and config layers; its refusals reach the caller as they are, silence is 503 INGEST.UNAVAILABLE. */
@Injectable()
export class TemplatesClient {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async ask<Q extends QueryType>(type: Q, query: PayloadOf<Q> & { userId: string }): Promise<ReplyOf<Q>> {
    try {
      return (await this.bus.request(type, query, { tenant: query.userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT })) as ReplyOf<Q>;
    } catch (error) {
      if (error instanceof LeapError && error.code === 'INGEST.RECORDING_NOT_FOUND') throw new LeapError('RECORDING.NOT_FOUND', error.message, { status: 404 });
      if (error instanceof LeapError && error.status >= 400 && error.status < 500 && PASSED_THROUGH.test(error.code)) {
        throw new LeapError(error.code, error.message, { status: error.status, details: error.details });
      }
      this.logger.warn(`ingest did not answer ${type}: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; try again shortly', { status: 503, retryable: true, details: { retryAfterSeconds: 5 }, cause: error });
    }
  }
}
