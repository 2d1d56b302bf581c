import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type EditTopics, type TopicsEdited } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { TopicsService } from './topics.service';

export const TOPICS_EDIT_QUEUE = 'transcription.topics-edit';

/** `transcription.topics.edit.v1` (request/reply): a hand edit of the active topic version, answered at once. */
@Injectable()
export class TopicsEditConsumer {
  constructor(private readonly topics: TopicsService) {}

  @MessageHandler(MESSAGE_TYPES.transcription.EditTopics, { queue: TOPICS_EDIT_QUEUE })
  async edit(ctx: MessageContext<EditTopics>): Promise<TopicsEdited> {
    const { ref, version } = await this.topics.edit(ctx.data);
    return { topics: ref, version: version.version };
  }
}
