import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { AddressNotAllowedError } from '@leap/outbound';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { isUuid } from '../common/validation';
import { isKnownFilter, PUBLIC_EVENT_TYPES } from './event-types';
import { newSecret } from './signing';
import { deliveryNotFound, unknownEventTypes, urlNotAllowed, webhookNotFound } from './problems';
import { WebhookDeliveries } from './webhook-deliveries.service';
import { WebhookSecretVault } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { WebhooksRepository, type SubscriptionRow } from './webhooks.repository';
import type { CreateWebhook, UpdateWebhook } from './webhooks.dto';

type Config = Pick<GatewayConfig, 'WEBHOOK_REQUIRE_HTTPS' | 'WEBHOOK_SECRET_OVERLAP'>;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function view(row: SubscriptionRow) {
  return {
    id: row.id,
    url: row.url,
    eventTypes: row.eventTypes,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: iso(row.disabledAt),
    previousSecretUntil: row.previousSecretUntil && new Date(row.previousSecretUntil).getTime() > Date.now() ? iso(row.previousSecretUntil) : null,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}

/** A user's webhook subscriptions: create (the secret shown once), list, change, rotate the secret, delete, ping, delivery log, redelivery. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly sender: WebhookSender,
    private readonly vault: WebhookSecretVault,
    @Inject(SERVICE_CONFIG) private readonly config: Config,
  ) {}

  eventTypes() {
    return { items: PUBLIC_EVENT_TYPES.map(({ name, version, schema, description, example }) => ({ name, version, schema, description, example })) };
  }

  async create(userId: string, input: CreateWebhook) {
    this.checkFilters(input.eventTypes);
    await this.checkTarget(input.url);
    const id = uuidv7();
    const secret = newSecret();
    const sealedSecret = this.vault.seal({ userId, id }, secret);
    const row = await this.repository.insert({ id, userId, url: input.url, eventTypes: input.eventTypes, description: input.description ?? null, sealedSecret });
    return { ...view(row), secret };
  }

  async list(userId: string) {
    return { items: (await this.repository.list(userId)).map(view) };
  }

  async get(userId: string, id: string) {
    return view(await this.owned(userId, id));
  }

  async update(userId: string, id: string, input: UpdateWebhook) {
    await this.owned(userId, id);
    if (input.eventTypes !== undefined) this.checkFilters(input.eventTypes);
    if (input.url !== undefined) await this.checkTarget(input.url);
    const row = await this.repository.update(userId, id, input);
    if (!row) throw webhookNotFound();
    return view(row);
  }

  /** A new secret, shown once; the previous one keeps signing (beside it) for `WEBHOOK_SECRET_OVERLAP`. */
  async rotateSecret(userId: string, id: string) {
    await this.owned(userId, id);
    const secret = newSecret();
    const row = await this.repository.rotate(userId, id, this.vault.seal({ userId, id }, secret), this.config.WEBHOOK_SECRET_OVERLAP);
    if (!row) throw webhookNotFound();
    return { ...view(row), secret };
  }

  async delete(userId: string, id: string): Promise<void> {
    if (!isUuid(id) || !(await this.repository.delete(userId, id))) throw webhookNotFound();
  }

  async ping(userId: string, id: string) {
    const subscription = await this.owned(userId, id);
    return { deliveryIds: [await this.deliveries.ping(subscription)] };
  }

  async deliveryLog(userId: string, id: string, query: { from?: string; to?: string; state?: string; limit: number }) {
    await this.owned(userId, id);
    const rows = await this.repository.deliveries(id, {
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      state: query.state,
      limit: query.limit,
    });
    const attempts = await this.repository.attempts(rows.map((r) => r.id));
    return {
      items: rows.map((row) => ({
        id: row.id,
        eventId: row.eventId,
        eventType: row.eventType,
        state: row.state,
        attempts: attempts
          .filter((a) => a.deliveryId === row.id)
          .map((a) => ({ attempt: a.attempt, startedAt: iso(a.startedAt)!, status: a.statusCode, latencyMs: a.latencyMs, errorCode: a.errorCode, responseExcerpt: a.responseExcerpt })),
        nextAttemptAt: iso(row.nextAttemptAt),
        deliveredAt: iso(row.deliveredAt),
        createdAt: iso(row.createdAt)!,
      })),
    };
  }

  async redeliverOne(userId: string, id: string, deliveryId: string) {
    const subscription = await this.owned(userId, id);
    const delivery = isUuid(deliveryId) ? await this.repository.delivery(deliveryId) : undefined;
    if (!delivery || delivery.subscriptionId !== subscription.id) throw deliveryNotFound();
    await this.deliveries.redeliver(subscription, [delivery.id]);
    return { deliveryIds: [delivery.id] };
  }

  /** Every delivery created in [from, to) (at most 1000), optionally only those in one state. */
  async redeliverRange(userId: string, id: string, range: { from: string; to: string; state?: string }) {
    const subscription = await this.owned(userId, id);
    const rows = await this.repository.deliveries(id, { from: new Date(range.from), to: new Date(range.to), state: range.state, limit: 1000 });
    await this.deliveries.redeliver(subscription, rows.map((r) => r.id));
    return { deliveryIds: rows.map((r) => r.id) };
  }

  private async owned(userId: string, id: string): Promise<SubscriptionRow> {
    const row = isUuid(id) ? await this.repository.get(userId, id) : undefined;
    if (!row) throw webhookNotFound();
    return row;
  }

  private checkFilters(filters: string[]): void {
    const unknown = filters.filter((f) => !isKnownFilter(f));
    if (unknown.length) throw unknownEventTypes(unknown);
  }

  /** https where required, and a host the address guard lets through now (it is checked again at every delivery). */
  private async checkTarget(url: string): Promise<void> {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) throw urlNotAllowed('credentials in the URL');
    if (this.config.WEBHOOK_REQUIRE_HTTPS && parsed.protocol !== 'https:') throw urlNotAllowed('https is required');
    try {
      await this.sender.policy.checkUrl(parsed);
    } catch (error) {
      if (error instanceof AddressNotAllowedError) throw urlNotAllowed(error.message);
      throw error;
    }
  }
}
