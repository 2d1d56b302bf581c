import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { JobsRuntime } from '@leap/jobs';
import { afterCommit } from '@leap/persistence';
import { newMessageId, type Envelope, type MessageContext } from '@leap/messaging';
import { MESSAGE_TYPES } from '@leap/contracts';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { Mailer } from '../identity/mail/mailer.service';
import { matches } from './event-types';
import { webhookDisabledMail } from './webhook-mail';
import { WebhooksRepository, type SubscriptionRow } from './webhooks.repository';

/** The job kind of one webhook delivery (docs/jobs.md): the gateway runs it. */
export const DELIVERY_JOB = 'gateway.webhook-delivery';

type Config = Pick<GatewayConfig, 'WEBHOOK_RETRY_SCHEDULE' | 'WEBHOOK_DISABLE_AFTER' | 'PUBLIC_BASE_URL'>;

/** The body every subscriber gets: the public event name and version, and the event's proto3 JSON as `data`. */
export function webhookBody(type: string, version: string, eventId: string, time: string, data: unknown): string {
  return JSON.stringify({ type, version, id: eventId, timestamp: time, data });
}

/**
 * Turns events into deliveries, one per matching subscription, each a durable job of its own
 * (tenant = the subscription, so runners share slots fairly between subscriptions and one slow
 * receiver does not hold up the others), and handles what happens when a delivery gives up.
 */
@Injectable()
export class WebhookDeliveries {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly jobs: JobsRuntime,
    private readonly dataSource: DataSource,
    private readonly mailer: Mailer,
    @Inject(SERVICE_CONFIG) private readonly config: Config,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** In the handler's transaction: a delivery and its job for every enabled subscription of the tenant whose filters match. */
  async fanOut(manager: EntityManager, cause: Envelope, publicType: { name: string; version: string }): Promise<number> {
    const tenant = cause.tenant ?? (cause.data as { userId?: string } | undefined)?.userId;
    if (!tenant) return 0;
    const subscriptions = (await this.repository.enabledOf(manager, tenant)).filter((s) => s.eventTypes.some((f) => matches(f, publicType.name)));
    const body = webhookBody(publicType.name, publicType.version, cause.id, cause.time, cause.data);
    let queued = 0;
    for (const subscription of subscriptions) {
      const id = newMessageId();
      if (await this.repository.insertDelivery(manager, { id, subscriptionId: subscription.id, eventId: cause.id, eventType: publicType.name, body })) {
        await this.enqueue(manager, id, subscription.id, cause);
        queued++;
      }
    }
    return queued;
  }

  /** A delivery's job. The job's envelope is the cause's (correlation, tenant, trace) under an id of its own, carrying the delivery id. */
  async enqueue(manager: EntityManager, deliveryId: string, subscriptionId: string, cause: Envelope): Promise<void> {
    const jobId = newMessageId();
    await this.jobs.store.enqueue(manager, {
      id: jobId,
      kind: DELIVERY_JOB,
      tenant: subscriptionId,
      subject: deliveryId,
      envelope: { ...cause, id: jobId, data: { deliveryId } },
      // The schedule decides; the runtime's own limit only stops a job that kills its worker every time.
      maxAttempts: this.config.WEBHOOK_RETRY_SCHEDULE.length + 1,
    });
  }

  /** A ping (`webhook.ping`) to one subscription, queued like any delivery. */
  async ping(subscription: SubscriptionRow): Promise<string> {
    const id = newMessageId();
    const time = new Date().toISOString();
    const cause: Envelope = {
      id,
      specversion: '1.0',
      type: 'gateway.webhook.ping',
      source: '/leap/gateway',
      time,
      datacontenttype: 'application/json',
      dataschema: '',
      correlationid: id,
      tenant: subscription.userId,
      data: {},
    };
    const body = webhookBody('webhook.ping', 'v1', id, time, { subscriptionId: subscription.id });
    await this.dataSource.transaction(async (manager) => {
      await this.repository.insertDelivery(manager, { id, subscriptionId: subscription.id, eventId: id, eventType: 'webhook.ping', body });
      await this.enqueue(manager, id, subscription.id, cause);
    });
    return id;
  }

  /** Queues the deliveries again (same `webhook-id`, a fresh retry schedule). */
  async redeliver(subscription: SubscriptionRow, deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      await this.repository.markPending(manager, deliveryIds);
      for (const id of deliveryIds) {
        const cause: Envelope = {
          id,
          specversion: '1.0',
          type: 'gateway.webhook.redelivery',
          source: '/leap/gateway',
          time: new Date().toISOString(),
          datacontenttype: 'application/json',
          dataschema: '',
          correlationid: id,
          tenant: subscription.userId,
          data: {},
        };
        await this.enqueue(manager, id, subscription.id, cause);
      }
    });
  }

  /**
   * A delivery gave up (its schedule ran out, or it cannot succeed): it counts towards disabling
   * its subscription, and when this makes `WEBHOOK_DISABLE_AFTER` in a row the subscription is
   * disabled, `gateway.webhook.disabled.v1` published (with this transaction) and its owner told by mail.
   */
  async gaveUp(ctx: MessageContext<unknown>, deliveryId: string): Promise<void> {
    const manager = ctx.manager;
    const delivery = await this.repository.delivery(deliveryId, manager);
    if (!delivery) return;
    await this.repository.markFailed(manager, deliveryId);
    const disabled = await this.repository.failedForGood(manager, delivery.subscriptionId, this.config.WEBHOOK_DISABLE_AFTER);
    if (!disabled) return;
    this.logger.warn('Webhook subscription disabled after failed deliveries', { subscriptionId: disabled.id, userId: disabled.userId });
    await ctx.publish(
      MESSAGE_TYPES.gateway.WebhookSubscriptionDisabled,
      {
        subscriptionId: disabled.id,
        userId: disabled.userId,
        url: disabled.url,
        reason: disabled.disabledReason ?? '',
        disabledAt: new Date(disabled.disabledAt ?? Date.now()).toISOString(),
      },
      { subject: disabled.id, tenant: disabled.userId },
    );
    const email = await this.repository.ownerEmail(manager, disabled.userId);
    if (!email) return;
    const mail = webhookDisabledMail(email, disabled.url, disabled.disabledReason ?? '', `${this.config.PUBLIC_BASE_URL}/api/v1/webhooks/${disabled.id}`);
    afterCommit(manager, `webhook-disabled:${disabled.id}`, async () => {
      if (!(await this.mailer.send(mail))) this.logger.warn('Webhook-disabled mail not sent', { subscriptionId: disabled.id });
    });
  }
}
