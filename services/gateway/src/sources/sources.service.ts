import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type InputSource, type PayloadOf, type QueryType, type ReplyOf, type SourceSync } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { offsetOf, pageOf, type Page } from '../common/pagination';
import type { GatewayConfig } from '../config/config.schema';
import type { SourceView, SyncView } from './sources.dto';

const PASSED_THROUGH = /^(SOURCE\.|SYNC\.|CREDENTIAL\.|INGEST\.URL_NOT_ALLOWED|INGEST\.INVALID_URL)/;
const DAY = 86_400_000;

export function sourceView(s: InputSource): SourceView {
  return {
    id: s.id,
    name: s.name,
    description: s.description ?? '',
    platform: s.platform as SourceView['platform'],
    credentialId: s.credentialId || null,
    config: (s.config ?? {}) as Record<string, unknown>,
    isActive: s.isActive ?? false,
    lastSyncAt: s.lastSyncAt ?? null,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

export function syncView(s: SourceSync): SyncView {
  return {
    id: s.id,
    sourceId: s.sourceId,
    status: s.status as SyncView['status'],
    fromDate: s.fromDate,
    toDate: s.toDate,
    found: s.found ?? 0,
    created: s.created ?? 0,
    updated: s.updated ?? 0,
    skipped: s.skipped ?? 0,
    skips: (s.skips ?? []).map((k) => ({ sourceKey: k.sourceKey, title: k.title || null, reason: k.reason, recordingId: k.recordingId || null })),
    errorCode: s.errorCode || null,
    errorMessage: s.errorMessage || null,
    createdAt: s.createdAt,
    finishedAt: s.finishedAt ?? null,
  };
}

/** The window a sync covers: the days given, or the 30 days up to today (UTC). */
export function windowOf(body: { fromDate?: string; toDate?: string }, now = new Date()): { fromDate: string; toDate: string } {
  const toDate = body.toDate ?? now.toISOString().slice(0, 10);
  const fromDate = body.fromDate ?? new Date(Date.parse(`${toDate}T00:00:00Z`) - 30 * DAY).toISOString().slice(0, 10);
  return { fromDate, toDate };
}

/** Asks ingest about input sources; its refusals reach the caller as they are, silence is 503 INGEST.UNAVAILABLE. */
@Injectable()
export class SourcesClient {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async ask<Q extends QueryType>(type: Q, query: PayloadOf<Q> & { userId: string }): Promise<ReplyOf<Q>> {
    try {
      return (await this.bus.request(type, query, { tenant: query.userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT })) as ReplyOf<Q>;
    } catch (error) {
      if (error instanceof LeapError && error.status >= 400 && error.status < 500 && PASSED_THROUGH.test(error.code)) {
        throw new LeapError(error.code, error.message, { status: error.status, details: error.details });
      }
      this.logger.warn(`ingest did not answer ${type}: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; try again shortly', { status: 503, retryable: true, details: { retryAfterSeconds: 5 }, cause: error });
    }
  }

  async list(userId: string, query: { page: number; pageSize: number; platform?: string[]; search?: string; activeOnly?: boolean }): Promise<Page<SourceView>> {
    let all = ((await this.ask(MESSAGE_TYPES.ingest.ListSources, { userId })).sources ?? []).map(sourceView);
    if (query.platform?.length) all = all.filter((s) => query.platform!.includes(s.platform));
    if (query.search) {
      const text = query.search.toLowerCase();
      all = all.filter((s) => s.name.toLowerCase().includes(text) || s.description.toLowerCase().includes(text));
    }
    if (query.activeOnly) all = all.filter((s) => s.isActive);
    return pageOf(all.slice(offsetOf(query), offsetOf(query) + query.pageSize), query, all.length);
  }
}
