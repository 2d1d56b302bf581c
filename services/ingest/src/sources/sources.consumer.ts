import { Inject, Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type CreateSource,
  type DeleteSource,
  type GetSource,
  type GetSourceSync,
  type ListSources,
  type SourceCreated,
  type SourceDeleted,
  type SourceFound,
  type SourcesPage,
  type SourceSyncFound,
  type SourceSyncsStarted,
  type SourceUpdated,
  type SyncSource,
  type SyncSources,
  type UpdateSource,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { JobHandler, JobsRuntime, type JobCommit, type JobContext, type JobFailure } from '@leap/jobs';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { Clock } from '../clock.service';
import { INGEST_COMMANDS_QUEUE } from '../recordings/recordings.consumer';
import { SOURCE_ADAPTERS, type SourceAdapter, type SyncWindow } from './source-adapter';
import { SourceSyncService } from './source-sync.service';
import { SourcesRepository } from './sources.repository';
import { SourcesService } from './sources.service';

export const SOURCE_SYNC_QUEUE = 'ingest.source-sync';
export const SOURCE_SYNC_JOB = 'ingest.source-sync';

/** The source questions ingest answers for the gateway. */
export const SOURCE_QUERIES = [
  MESSAGE_TYPES.ingest.CreateSource,
  MESSAGE_TYPES.ingest.UpdateSource,
  MESSAGE_TYPES.ingest.GetSource,
  MESSAGE_TYPES.ingest.ListSources,
  MESSAGE_TYPES.ingest.DeleteSource,
  MESSAGE_TYPES.ingest.SyncSources,
  MESSAGE_TYPES.ingest.GetSourceSync,
];

/**
 * Input sources over request/reply, and their syncs as durable jobs: a `SyncSource` command is
 * accepted as an `ingest.source-sync` job at once; the job lists the source with no transaction
 * open (the platform's API may be slow or rate-limit), then commits what became of each item and
 * the sync's result together.
 */
@Injectable()
export class SourcesConsumer {
  constructor(
    private readonly sourcesService: SourcesService,
    private readonly sources: SourcesRepository,
    private readonly syncs: SourceSyncService,
    private readonly jobs: JobsRuntime,
    private readonly clock: Clock,
    @Inject(SOURCE_ADAPTERS) private readonly adapters: SourceAdapter[],
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.CreateSource, { queue: INGEST_COMMANDS_QUEUE })
  create(ctx: MessageContext<CreateSource>): Promise<SourceCreated> {
    return this.sourcesService.create(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.UpdateSource, { queue: INGEST_COMMANDS_QUEUE })
  update(ctx: MessageContext<UpdateSource>): Promise<SourceUpdated> {
    return this.sourcesService.update(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.GetSource, { queue: INGEST_COMMANDS_QUEUE })
  get(ctx: MessageContext<GetSource>): Promise<SourceFound> {
    return this.sourcesService.get(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.ListSources, { queue: INGEST_COMMANDS_QUEUE })
  list(ctx: MessageContext<ListSources>): Promise<SourcesPage> {
    return this.sourcesService.list(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.DeleteSource, { queue: INGEST_COMMANDS_QUEUE })
  delete(ctx: MessageContext<DeleteSource>): Promise<SourceDeleted> {
    return this.sourcesService.delete(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.SyncSources, { queue: INGEST_COMMANDS_QUEUE })
  sync(ctx: MessageContext<SyncSources>): Promise<SourceSyncsStarted> {
    return this.sourcesService.sync(ctx, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.GetSourceSync, { queue: INGEST_COMMANDS_QUEUE })
  getSync(ctx: MessageContext<GetSourceSync>): Promise<SourceSyncFound> {
    return this.sourcesService.getSync(ctx.manager, ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.SyncSource, { queue: SOURCE_SYNC_QUEUE })
  async accept(ctx: MessageContext<SyncSource>): Promise<void> {
    await this.jobs.enqueue(ctx, SOURCE_SYNC_JOB, { subject: ctx.data.sourceId, tenant: ctx.data.userId });
  }

  @JobHandler(SOURCE_SYNC_JOB, { onFailed: 'failed' })
  async run(job: JobContext<SyncSource>): Promise<JobCommit> {
    const { syncId, userId, sourceId } = job.data;
    const sync = await this.sources.findSync(undefined, userId, syncId);
    const source = await this.sources.find(undefined, userId, sourceId);
    if (!sync || !source) return async () => undefined; // deleted meanwhile: nothing to do
    await this.sources.syncRunning(syncId);
    const adapter = this.adapters.find((a) => a.platform === source.platform);
    if (!adapter) throw new LeapError('SOURCE.NOT_SYNCABLE', `${source.platform} sources cannot be synced yet`, { retryable: false });
    const window: SyncWindow = { from: new Date(`${sync.fromDate}T00:00:00Z`), until: new Date(Date.parse(`${sync.toDate}T00:00:00Z`) + 86_400_000) };
    this.logger.info(`syncing source ${sourceId}`, { sourceId, syncId, platform: source.platform, from: sync.fromDate, to: sync.toDate });
    const items = await adapter.list(source, window, job.signal);
    job.throwIfAborted();
    return async (ctx) => {
      const outcome = await this.syncs.apply(ctx as MessageContext<SyncSource>, source, items, { autoRun: sync.autoRun, templateId: sync.templateId, processingConfig: sync.processingConfig });
      const now = this.clock.now();
      await this.sources.finishSync(ctx.manager, syncId, { status: 'SUCCEEDED', ...outcome }, now);
      await this.sources.synced(ctx.manager, sourceId, now);
      this.logger.info(`synced source ${sourceId}`, { sourceId, syncId, found: outcome.found, created: outcome.created, updated: outcome.updated, skipped: outcome.skips.length });
    };
  }

  /** The sync will not be tried again: its result says why. */
  async failed(ctx: MessageContext<SyncSource>, failure: JobFailure): Promise<void> {
    const { syncId, sourceId } = ctx.data;
    this.logger.warn(`sync of source ${sourceId} failed: ${failure.code}`, { sourceId, syncId, code: failure.code });
    await this.sources.finishSync(
      ctx.manager,
      syncId,
      { status: 'FAILED', found: 0, created: 0, updated: 0, skips: [], errorCode: failure.code, errorMessage: failure.message },
      this.clock.now(),
    );
  }
}
