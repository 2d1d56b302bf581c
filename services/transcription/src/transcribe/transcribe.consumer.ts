import { Inject, Injectable } from '@nestjs/common';
import { MessageTypes, PipelineStage, type RecordingTranscribed, type TranscribeRecording } from '@leap/contracts';
import { MessageHandler, type MessageContext, type ParkedFailure } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { runStage, stageParked } from '../stage-failure';
import { TranscribeService } from './transcribe.service';

export const TRANSCRIBE_QUEUE = 'transcription.transcribe';

@Injectable()
export class TranscribeConsumer {
  constructor(
    private readonly transcribe: TranscribeService,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MessageTypes.transcription.TranscribeRecording, { queue: TRANSCRIBE_QUEUE, onParked: 'parked' })
  async handle(ctx: MessageContext<TranscribeRecording>): Promise<void> {
    await runStage(ctx, PipelineStage.TRANSCRIBE, this.logger, async () => {
      const { master, ref } = await this.transcribe.transcribe(ctx.data);
      const event: RecordingTranscribed = {
        recordingId: ctx.data.recordingId,
        userId: ctx.data.userId,
        master: ref,
        language: master.language,
        wordCount: master.stats.wordCount,
        durationSeconds: master.durationSeconds,
      };
      await ctx.publish(MessageTypes.transcription.RecordingTranscribed, event, { subject: ctx.data.recordingId });
    });
  }

  /** Its retries ran out and the command is parked: the pipeline learns the stage failed. */
  async parked(ctx: MessageContext<TranscribeRecording>, failure: ParkedFailure): Promise<void> {
    await stageParked(ctx, PipelineStage.TRANSCRIBE, this.logger, failure);
  }
}
