import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, PipelineStage, type MediaProcessingFailed, type MediaProgress, type TrimRecording } from '@leap/contracts';
import {
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
import { TrimService } from './trim.service';

export const TRIM_QUEUE = 'media.trim';
export const TRIM_JOB = 'media.trim';

/**
 * `media.recording.trim.v1` is accepted as a `media.trim` job at once (its delivery acknowledged
 * with the job row), and the job runs the trim with no transaction open and no delivery held. Its
 * result is `media.recording.trimmed.v1`; a non-retryable failure (bad source, no audio, a missing
 * tool) becomes `media.processing.failed.v1` with its code at once; anything else is tried again
 * with backoff and, when the attempts run out, fails the stage with `MEDIA.RETRIES_EXHAUSTED`.
 */
@Injectable()
export class TrimConsumer {
  constructor(
    private readonly trimService: TrimService,
    private readonly jobs: JobsRuntime,
    private readonly bus: MessageBus,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: TRIM_QUEUE })
  async accept(ctx: MessageContext<TrimRecording>): Promise<void> {
    await this.jobs.enqueue(ctx, TRIM_JOB, { subject: ctx.data.recordingId, tenant: ctx.data.userId });
  }

  @JobHandler(TRIM_JOB, { onFailed: 'failed', onProgress: 'progress' })
  async trim(job: JobContext<TrimRecording>): Promise<JobCommit> {
    const { recordingId, userId } = job.data;
    this.logger.info(`trimming recording ${recordingId}`, { recordingId, jobId: job.id, attempt: job.attempt });
    return runStageJob(job, (ctx, error) => this.fail(ctx, error), async () => {
      const trimmed = await this.trimService.trim(job.data, { signal: job.signal, onProgress: (percent, step) => job.progress(percent, step) });
      this.logger.info(`trimmed recording ${recordingId}`, {
        recordingId,
        trimmedHeadSeconds: trimmed.trimmedHeadSeconds,
        trimmedTailSeconds: trimmed.trimmedTailSeconds,
      });
      return (ctx) => ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, trimmed, { subject: recordingId, tenant: userId });
    });
  }

  /** The job will not be tried again (its attempts ran out, or its worker kept dying): the pipeline learns the stage failed. */
  async failed(ctx: MessageContext<TrimRecording>, failure: JobFailure): Promise<void> {
    await stageFailed(ctx, 'MEDIA', failure, (c, error) => this.fail(c, error));
  }

  /** `media.processing.failed.v1` for the trim stage. */
  private async fail(ctx: MessageContext<TrimRecording>, error: StageFailure): Promise<void> {
    const { recordingId, userId } = ctx.data;
    this.logger.warn(`trim failed for recording ${recordingId}: ${error.code} ${error.message}`, { recordingId, code: error.code });
    const failed: MediaProcessingFailed = { recordingId, userId, stage: PipelineStage.TRIM, error };
    await ctx.publish(MESSAGE_TYPES.media.MediaProcessingFailed, failed, { subject: recordingId, tenant: userId });
  }

  /** Best effort, at most once a second: a lost progress tick is harmless. */
  async progress(job: JobContext<TrimRecording>, progress: JobProgress): Promise<void> {
    const tick: MediaProgress = {
      recordingId: job.data.recordingId,
      userId: job.data.userId,
      stage: PipelineStage.TRIM,
      percent: Math.floor(progress.percent),
      ...(progress.step ? { step: progress.step } : {}),
    };
    await this.bus.publishNow(MESSAGE_TYPES.media.MediaProgress, tick, { subject: job.data.recordingId, tenant: job.data.userId, causation: job.envelope });
  }
}
