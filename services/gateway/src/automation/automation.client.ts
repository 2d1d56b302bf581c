import { Inject, Injectable } from '@nestjs/common';
import type { AutomationJob, AutomationRun, PayloadOf, QueryType, ReplyOf } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import { SCHEDULE_TYPES, type JobView, type RunView } from './automation.dto';

/** Ingest's refusals that reach the caller as they are (a source or template named in the body is a 422). */
const PASSED_THROUGH = /^(AUTOMATION\.|SOURCE\.NOT_FOUND$|TEMPLATE\.NOT_FOUND$)/;

export function jobView(job: AutomationJob): JobView {
  const schedule = (job.schedule ?? {}) as JobView['schedule'];
  return {
    id: job.id,
    name: job.name,
    description: job.description ?? '',
    sources: { ids: job.sourceIds ?? [], platforms: job.sourcePlatforms ?? [] },
    templateId: job.templateId || null,
    autoRun: job.autoRun ?? false,
    syncDays: job.syncDays ?? 0,
    schedule: { ...schedule, type: SCHEDULE_TYPES.includes(schedule.type) ? schedule.type : 'cron' },
    isActive: job.isActive ?? false,
    nextRunAt: job.nextRunAt ?? null,
    lastRunAt: job.lastRunAt ?? null,
    runCount: job.runCount ?? 0,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    processingConfig: (job.processingConfig ?? {}) as Record<string, unknown>,
  };
}

export function runView(run: AutomationRun): RunView {
  return {
    id: run.id,
    jobId: run.jobId,
    trigger: run.trigger as RunView['trigger'],
    status: run.status as RunView['status'],
    dueAt: run.dueAt ?? null,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? null,
    sources: run.sources ?? 0,
    synced: run.synced ?? 0,
    failed: run.failed ?? 0,
    found: run.found ?? 0,
    new: run.created ?? 0,
    updated: run.updated ?? 0,
    matched: run.matched ?? 0,
    started: run.started ?? 0,
    skipped: run.skipped ?? 0,
  };
}

/** Asks ingest about automation jobs; its refusals reach the caller as they are, silence is 503 INGEST.UNAVAILABLE. */
@Injectable()
export class AutomationClient {
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
}
