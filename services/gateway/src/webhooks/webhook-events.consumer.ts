import { Injectable } from '@nestjs/common';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { MESSAGE_TYPES } from '@leap/contracts';
import { PUBLIC_EVENT_TYPES, publicEventOf } from './event-types';
import { WebhookDeliveries } from './webhook-deliveries.service';

export const WEBHOOKS_QUEUE = 'gateway.webhooks';
export const WEBHOOK_SOURCE_TYPES = PUBLIC_EVENT_TYPES.map((t) => t.source);

/** The public events, each turned into deliveries for the subscriptions that asked for it (in the handler's transaction). */
@Injectable()
export class WebhookEventsConsumer {
  constructor(private readonly deliveries: WebhookDeliveries) {}

  private async fanOut(ctx: MessageContext<unknown>): Promise<void> {
    const type = publicEventOf(ctx.envelope.type);
    if (type) await this.deliveries.fanOut(ctx.manager, ctx.envelope, type);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingRegistered, { queue: WEBHOOKS_QUEUE })
  registered(ctx: MessageContext<unknown>) {
    return this.fanOut(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingStatusChanged, { queue: WEBHOOKS_QUEUE })
  statusChanged(ctx: MessageContext<unknown>) {
    return this.fanOut(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.StageStatusChanged, { queue: WEBHOOKS_QUEUE })
  stageChanged(ctx: MessageContext<unknown>) {
    return this.fanOut(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: WEBHOOKS_QUEUE })
  paused(ctx: MessageContext<unknown>) {
    return this.fanOut(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDeleted, { queue: WEBHOOKS_QUEUE })
  deleted(ctx: MessageContext<unknown>) {
    return this.fanOut(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.quota.QuotaWarningRaised, { queue: WEBHOOKS_QUEUE })
  quotaWarning(ctx: MessageContext<unknown>) {
    return this.fanOut(ctx);
  }
}
