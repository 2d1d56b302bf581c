import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type ReceiveZoomWebhook, type ZoomWebhookReceived } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { INGEST_COMMANDS_QUEUE } from '../../recordings/recordings.consumer';
import { ZoomWebhookService } from './zoom-webhook.service';

/** Zoom's webhooks, as the gateway forwards them, over request/reply: the answer is what Zoom gets. */
@Injectable()
export class ZoomWebhookConsumer {
  constructor(private readonly webhooks: ZoomWebhookService) {}

  @MessageHandler(MESSAGE_TYPES.ingest.ReceiveZoomWebhook, { queue: INGEST_COMMANDS_QUEUE })
  receive(ctx: MessageContext<ReceiveZoomWebhook>): Promise<ZoomWebhookReceived> {
    return this.webhooks.receive(ctx, ctx.data);
  }
}
