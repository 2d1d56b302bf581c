import { Inject, Injectable } from '@nestjs/common';
import { MessageTypes, PipelineStage, type ExtractTopics, type TopicsExtracted } from '@leap/contracts';
import { MessageHandler, type MessageContext, type ParkedFailure } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { runStage, stageParked } from '../stage-failure';
import { TopicsService } from './topics.service';

export const TOPICS_QUEUE = 'transcription.topics';

@Injectable()
export class TopicsConsumer {
  constructor(
    private readonly topics: TopicsService,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MessageTypes.transcription.ExtractTopics, { queue: TOPICS_QUEUE, onParked: 'parked' })
  async handle(ctx: MessageContext<ExtractTopics>): Promise<void> {
    await runStage(ctx, PipelineStage.EXTRACT_TOPICS, this.logger, async () => {
      const { ref, version } = await this.topics.extract(ctx.data, ctx.envelope.id);
      const event: TopicsExtracted = {
        recordingId: ctx.data.recordingId,
        userId: ctx.data.userId,
        topics: ref,
        version: version.version,
        count: version.topics.length,
      };
      await ctx.publish(MessageTypes.transcription.TopicsExtracted, event, { subject: ctx.data.recordingId });
    });
  }

  /** Its retries ran out and the command is parked: the pipeline learns the stage failed. */
  async parked(ctx: MessageContext<ExtractTopics>, failure: ParkedFailure): Promise<void> {
    await stageParked(ctx, PipelineStage.EXTRACT_TOPICS, this.logger, failure);
  }
}
