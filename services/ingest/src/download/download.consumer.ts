import { Inject, Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  PipelineStage,
  type DownloadRecording,
  type IngestJobsPage,
  type IngestProgress,
  type ListIngestJobs,
  type RecordingDeleted,
  type RecordingDownloaded,
  type RecordingPaused,
} from '@leap/contracts';
import {
  cancelRecordingJobs,
  listJobsReply,
  JobHandler,
  JobsRuntime,
  runStageJob,
  stageFailed,
  type JobCommit,
  type JobContext,
  type JobFailure,
  type JobProgress,
  type StageFailure,
} from '@leap/jobs';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { Clock } from '../clock.service';
import { PipelineService } from '../pipeline/pipeline.service';
import { DownloadService, type DownloadResult } from './download.service';
import { RecordingSourceRepository } from './recording-source.repository';

export const DOWNLOAD_QUEUE = 'ingest.download';
export const DOWNLOAD_JOB = 'ingest.download';
export const INGEST_JOB_CONTROL_QUEUE = 'ingest.job-control';

/**
 * The DOWNLOAD stage. The process manager sends `ingest.recording.download.v1` to itself; it is
 * accepted as an `ingest.download` job at once, and the job fetches the original with no
 * transaction open. Its outcome commits with the job: the recording's source columns, the stage
 * completed (which starts the trim) and `ingest.recording.downloaded.v1`; a final failure
 * (refused address, HTML page, truncated, size mismatch…) fails the stage with its code. Progress
 * is reported in bytes (`ingest.progress.v1`); a pause or a delete cancels the job.
 */
@Injectable()
export class DownloadConsumer {
  /** Bytes done and expected of each running job, for its progress events. */
  private readonly bytes = new Map<string, { done: number; total?: number }>();

  constructor(
    private readonly downloads: DownloadService,
    private readonly pipeline: PipelineService,
    private readonly sources: RecordingSourceRepository,
    private readonly jobs: JobsRuntime,
    private readonly bus: MessageBus,
    private readonly clock: Clock,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.DownloadRecording, { queue: DOWNLOAD_QUEUE })
  async accept(ctx: MessageContext<DownloadRecording>): Promise<void> {
    await this.jobs.enqueue(ctx, DOWNLOAD_JOB, { subject: ctx.data.recordingId, tenant: ctx.data.userId });
  }

  @JobHandler(DOWNLOAD_JOB, { onFailed: 'failed', onProgress: 'progress' })
  async download(job: JobContext<DownloadRecording>): Promise<JobCommit> {
    const { recordingId } = job.data;
    // The URL is the user's and may carry a token in its query: logs name the host only.
    this.logger.info(`downloading recording ${recordingId}`, { recordingId, jobId: job.id, attempt: job.attempt, host: hostOf(job.data.url) });
    try {
      return await runStageJob(job, (ctx, error) => this.fail(ctx, error), async () => {
        const result = await this.downloads.download(job.data, {
          signal: job.signal,
          onBytes: (done, total) => {
            this.bytes.set(job.id, { done, total });
            job.progress(total ? (done / total) * 100 : 0, 'downloading');
          },
        });
        this.logger.info(`downloaded recording ${recordingId}`, { recordingId, sizeBytes: result.source.sizeBytes, resumedFromBytes: result.resumedFromBytes });
        return (ctx) => this.complete(ctx as MessageContext<DownloadRecording>, result);
      });
    } finally {
      this.bytes.delete(job.id);
    }
  }

  /** The original is in storage: record it, complete the stage (which starts the next ones) and tell the world. */
  private async complete(ctx: MessageContext<DownloadRecording>, result: DownloadResult): Promise<void> {
    const { recordingId, userId } = ctx.data;
    await this.sources.saveOriginal(ctx.manager, recordingId, result.source, this.clock.now());
    if (result.title) await this.sources.saveTitle(ctx.manager, recordingId, result.title);
    await this.pipeline.completeStage(ctx, { recordingId, userId, stage: 'DOWNLOAD' }, {}, { sizeBytes: Number(result.source.sizeBytes), resumedFromBytes: result.resumedFromBytes });
    const downloaded: RecordingDownloaded = {
      recordingId,
      userId,
      source: result.source,
      resumedFromBytes: String(result.resumedFromBytes),
      ...(result.title ? { title: result.title } : {}),
    };
    await ctx.publish(MESSAGE_TYPES.ingest.RecordingDownloaded, downloaded, { subject: recordingId, tenant: userId });
  }

  /** The job will not be tried again: the stage fails with `INGEST.RETRIES_EXHAUSTED` (or `INGEST.WORKER_LOST`). */
  async failed(ctx: MessageContext<DownloadRecording>, failure: JobFailure): Promise<void> {
    await stageFailed(ctx, 'INGEST', failure, (c, error) => this.fail(c, error));
  }

  private async fail(ctx: MessageContext<DownloadRecording>, error: StageFailure): Promise<void> {
    const { recordingId, userId } = ctx.data;
    this.logger.warn(`download failed for recording ${recordingId}: ${error.code} ${error.message}`, { recordingId, code: error.code });
    await this.pipeline.failStage(ctx, { recordingId, userId, stage: 'DOWNLOAD' }, error);
  }

  /** Best effort, at most once a second: a lost progress tick is harmless. */
  async progress(job: JobContext<DownloadRecording>, progress: JobProgress): Promise<void> {
    const bytes = this.bytes.get(job.id);
    const tick: IngestProgress = {
      recordingId: job.data.recordingId,
      userId: job.data.userId,
      stage: PipelineStage.DOWNLOAD,
      percent: Math.floor(progress.percent),
      ...(progress.step ? { step: progress.step } : {}),
      ...(bytes ? { bytesDone: String(bytes.done) } : {}),
      ...(bytes?.total !== undefined ? { bytesTotal: String(bytes.total) } : {}),
    };
    await this.bus.publishNow(MESSAGE_TYPES.ingest.IngestProgress, tick, { subject: job.data.recordingId, tenant: job.data.userId, causation: job.envelope });
  }

  /** A pause or a delete stops the recording's download at once (the bytes so far are kept for a resume). */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: INGEST_JOB_CONTROL_QUEUE })
  async paused(ctx: MessageContext<RecordingPaused>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'paused');
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDeleted, { queue: INGEST_JOB_CONTROL_QUEUE })
  async deleted(ctx: MessageContext<RecordingDeleted>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'deleted');
  }

  /** Operators: the downloads, as `GET /api/v1/admin/jobs` shows them. */
  @MessageHandler(MESSAGE_TYPES.ingest.ListIngestJobs, { queue: INGEST_JOB_CONTROL_QUEUE })
  list(ctx: MessageContext<ListIngestJobs>): Promise<IngestJobsPage> {
    return listJobsReply(this.jobs, ctx.data.filter);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}
