import { Inject, Injectable } from '@nestjs/common';
import { MessageTypes, PipelineStage, type Failure, type MediaProcessingFailed, type MediaProgress, type TrimRecording } from '@leap/contracts';
import { LeapError, MessageBus, MessageHandler, parkedFailureReport, type MessageContext, type ParkedFailure } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { TrimService } from './trim.service';

export const TRIM_QUEUE = 'media.trim';

/**
 * `media.recording.trim.v1` → `media.recording.trimmed.v1`. A non-retryable failure (bad source,
 * no audio, a missing tool) becomes `media.processing.failed.v1` with its code, so the pipeline
 * learns why the stage failed; anything else (the object store unreachable) is thrown for the
 * retry tiers. When those run out too and the command is parked, the same event says
 * `MEDIA.RETRIES_EXHAUSTED`.
 */
@Injectable()
export class TrimConsumer {
  constructor(
    private readonly trimService: TrimService,
    private readonly bus: MessageBus,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MessageTypes.media.TrimRecording, { queue: TRIM_QUEUE, onParked: 'parked' })
  async handle(ctx: MessageContext<TrimRecording>): Promise<void> {
    const { recordingId, userId } = ctx.data;
    const subject = recordingId;
    this.logger.info(`trimming recording ${recordingId}`, { recordingId });
    try {
      const trimmed = await this.trimService.trim(ctx.data, (percent) => this.progress(ctx, percent));
      this.logger.info(`trimmed recording ${recordingId}`, {
        recordingId,
        trimmedHeadSeconds: trimmed.trimmedHeadSeconds,
        trimmedTailSeconds: trimmed.trimmedTailSeconds,
      });
      await ctx.publish(MessageTypes.media.RecordingTrimmed, trimmed, { subject, tenant: userId });
    } catch (error) {
      if (!(error instanceof LeapError) || error.retryable) throw error;
      await this.fail(ctx, { code: error.code, message: error.message, retryable: false });
    }
  }

  /** The trim command was parked (its retries ran out): the pipeline learns the stage failed. */
  async parked(ctx: MessageContext<TrimRecording>, failure: ParkedFailure): Promise<void> {
    await this.fail(ctx, parkedFailureReport('MEDIA', failure));
  }

  private async fail(ctx: MessageContext<TrimRecording>, error: Failure): Promise<void> {
    const { recordingId, userId } = ctx.data;
    this.logger.warn(`trim failed for recording ${recordingId}: ${error.code} ${error.message}`, { recordingId, code: error.code });
    const failed: MediaProcessingFailed = { recordingId, userId, stage: PipelineStage.TRIM, error };
    await ctx.publish(MessageTypes.media.MediaProcessingFailed, failed, { subject: recordingId, tenant: userId });
  }

  /** Best effort: a lost progress tick is harmless, so it never fails the job. */
  private progress(ctx: MessageContext<TrimRecording>, percent: number): void {
    const tick: MediaProgress = { recordingId: ctx.data.recordingId, userId: ctx.data.userId, stage: PipelineStage.TRIM, percent };
    this.bus
      .publishNow(MessageTypes.media.MediaProgress, tick, { subject: ctx.data.recordingId, tenant: ctx.data.userId })
      .catch((error: Error) => this.logger.debug(`progress not published: ${error.message}`));
  }
}
