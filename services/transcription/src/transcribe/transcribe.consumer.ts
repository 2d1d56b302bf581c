import { Inject, Injectable } from '@nestjs/common';
import { MessageTypes, PipelineStage, type RecordingTranscribed, type TranscribeRecording } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { runStage } from '../stage-failure';
import { TranscribeService } from './transcribe.service';

export const TRANSCRIBE_QUEUE = 'transcription.transcribe';

@Injectable()
export class TranscribeConsumer {
  constructor(
    private readonly transcribe: TranscribeService,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MessageTypes.transcription.TranscribeRecording, { queue: TRANSCRIBE_QUEUE })
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
}
