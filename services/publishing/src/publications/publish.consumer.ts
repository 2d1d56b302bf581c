import { Injectable } from '@nestjs/common';
import type { PublishRecording } from '@leap/contracts';
import { MessageHandler, type MessageContext, type ParkedFailure } from '@leap/messaging';
import { PublishService } from './publish.service';

export const UPLOADS_QUEUE = 'publishing.uploads';
export const PUBLISH = 'publishing.recording.publish.v1';

/** Turns a publish command into a publish and its result event (`publishing.failed.v1` when it cannot be done). */
@Injectable()
export class PublishConsumer {
  constructor(private readonly publishing: PublishService) {}

  @MessageHandler(PUBLISH, { queue: UPLOADS_QUEUE, onParked: 'parked' })
  async publish(ctx: MessageContext<PublishRecording>): Promise<void> {
    const { recordingId, userId } = ctx.data;
    const outcome = await this.publishing.publish(ctx.manager, ctx.data);
    if (outcome.published) {
      await ctx.publish('publishing.recording.published.v1', outcome.published, { subject: recordingId, tenant: userId });
    } else {
      await ctx.publish('publishing.failed.v1', outcome.failed, { subject: recordingId, tenant: userId });
    }
  }

  /** The command was parked after its retries ran out: the pipeline learns the upload failed. */
  async parked(ctx: MessageContext<PublishRecording>, failure: ParkedFailure): Promise<void> {
    const { recordingId, userId } = ctx.data;
    const failed = await this.publishing.parked(ctx.manager, ctx.data, failure);
    await ctx.publish('publishing.failed.v1', failed, { subject: recordingId, tenant: userId });
  }
}
