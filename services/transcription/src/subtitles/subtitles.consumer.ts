import { Inject, Injectable } from '@nestjs/common';
import { MessageTypes, PipelineStage, type GenerateSubtitles, type SubtitlesGenerated } from '@leap/contracts';
import { MessageHandler, type MessageContext, type ParkedFailure } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { runStage, stageParked } from '../stage-failure';
import { SubtitlesService } from './subtitles.service';

export const SUBTITLES_QUEUE = 'transcription.subtitles';

@Injectable()
export class SubtitlesConsumer {
  constructor(
    private readonly subtitles: SubtitlesService,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MessageTypes.transcription.GenerateSubtitles, { queue: SUBTITLES_QUEUE, onParked: 'parked' })
  async handle(ctx: MessageContext<GenerateSubtitles>): Promise<void> {
    await runStage(ctx, PipelineStage.GENERATE_SUBTITLES, this.logger, async () => {
      const { srt, vtt } = await this.subtitles.generate(ctx.data);
      const event: SubtitlesGenerated = { recordingId: ctx.data.recordingId, userId: ctx.data.userId, srt, vtt };
      await ctx.publish(MessageTypes.transcription.SubtitlesGenerated, event, { subject: ctx.data.recordingId });
    });
  }

  /** Its retries ran out and the command is parked: the pipeline learns the stage failed. */
  async parked(ctx: MessageContext<GenerateSubtitles>, failure: ParkedFailure): Promise<void> {
    await stageParked(ctx, PipelineStage.GENERATE_SUBTITLES, this.logger, failure);
  }
}
