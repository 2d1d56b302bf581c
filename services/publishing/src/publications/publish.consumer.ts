import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type PublishingProgress, type PublishRecording } from '@leap/contracts';
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
import { LeapError } from '@leap/errors';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import { PublicationsRepository } from './publications.repository';
import { PublishService } from './publish.service';

export const UPLOADS_QUEUE = 'publishing.uploads';
export const PUBLISH = MESSAGE_TYPES.publishing.PublishRecording;
export const PUBLISH_JOB = 'publishing.publish';

/**
 * A publish command is accepted as a `publishing.publish` job; the upload runs with no transaction
 * open and no delivery held, and its outcome (the publication row and `publishing.recording.published.v1`
 * or `publishing.failed.v1`) commits with the job.
 */
@Injectable()
export class PublishConsumer {
  constructor(
    private readonly publishing: PublishService,
    private readonly jobs: JobsRuntime,
    private readonly bus: MessageBus,
    private readonly publications: PublicationsRepository,
  ) {}

  @MessageHandler(PUBLISH, { queue: UPLOADS_QUEUE })
  async accept(ctx: MessageContext<PublishRecording>): Promise<void> {
    await this.jobs.enqueue(ctx, PUBLISH_JOB, { subject: ctx.data.recordingId, tenant: ctx.data.userId });
  }

  @JobHandler(PUBLISH_JOB, { onFailed: 'failed', onProgress: 'progress' })
  async publish(job: JobContext<PublishRecording>): Promise<JobCommit> {
    const { recordingId, userId } = job.data;
    return runStageJob(job, (ctx, error) => this.fail(ctx, error), async () => {
      let record;
      try {
        record = await this.publishing.publish(job.data, { signal: job.signal, onProgress: (fraction, step) => job.progress(fraction * 100, step) });
      } catch (error) {
        // Tried again later: the target says why it waits (a rate limit, an open circuit).
        if (error instanceof LeapError && error.retryable && !job.signal.aborted) {
          await this.publications.noteRetry(recordingId, job.data.targetId, error.code, error.message).catch(() => undefined);
        }
        throw error;
      }
      return async (ctx) => {
        const published = await record(ctx.manager);
        await ctx.publish(MESSAGE_TYPES.publishing.RecordingPublished, published, { subject: recordingId, tenant: userId });
      };
    });
  }

  /** The job will not be tried again: the pipeline learns the upload failed. */
  async failed(ctx: MessageContext<PublishRecording>, failure: JobFailure): Promise<void> {
    await stageFailed(ctx, 'PUBLISHING', failure, (c, error) => this.fail(c, error));
  }

  /** The publication is recorded as failed and `publishing.failed.v1` tells the pipeline. */
  private async fail(ctx: MessageContext<PublishRecording>, error: StageFailure): Promise<void> {
    const { recordingId, userId } = ctx.data;
    const failed = await this.publishing.failed(ctx.manager, ctx.data, error);
    await ctx.publish(MESSAGE_TYPES.publishing.PublishingFailed, failed, { subject: recordingId, tenant: userId });
  }

  async progress(job: JobContext<PublishRecording>, progress: JobProgress): Promise<void> {
    const tick: PublishingProgress = {
      recordingId: job.data.recordingId,
      userId: job.data.userId,
      targetId: job.data.targetId,
      percent: Math.floor(progress.percent),
      ...(progress.step ? { step: progress.step } : {}),
    };
    await this.bus.publishNow(MESSAGE_TYPES.publishing.PublishingProgress, tick, { subject: job.data.recordingId, tenant: job.data.userId, causation: job.envelope });
  }
}
