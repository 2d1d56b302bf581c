import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

export interface SubscriptionRow {
  id: string;
  userId: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  /** The signing secret, sealed (`WebhookSecretVault`); never in clear in the database. */
  sealedSecret: string;
  /** The secret before the last rotation, sealed, while it may still sign. */
  sealedPreviousSecret: string | null;
  previousSecretUntil: Date | null;
  failedInARow: number;
  disabledReason: string | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DeliveryRow {
  id: string;
  subscriptionId: string;
  eventId: string;
  eventType: string;
  body: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

export interface AttemptRow {
  attempt: number;
  startedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  errorCode: string | null;
  responseExcerpt: string | null;
}

const SUBSCRIPTION = `id, user_id AS "userId", url, event_types AS "eventTypes", description, enabled, secret AS "sealedSecret",
  previous_secret AS "sealedPreviousSecret",
  previous_secret_until AS "previousSecretUntil", failed_in_a_row AS "failedInARow", disabled_reason AS "disabledReason",
  disabled_at AS "disabledAt", created_at AS "createdAt", updated_at AS "updatedAt"`;
const DELIVERY = `id, subscription_id AS "subscriptionId", event_id AS "eventId", event_type AS "eventType", body, state, attempts,
  next_attempt_at AS "nextAttemptAt", delivered_at AS "deliveredAt", created_at AS "createdAt"`;

/** Webhook subscriptions, deliveries and attempts (the gateway schema). Every read by user is scoped to that user. */
@Injectable()
export class WebhooksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** TypeORM answers UPDATE and DELETE … RETURNING as [rows, count], INSERT and SELECT as rows. */
  private async returning(manager: EntityManager | undefined, sql: string, params: unknown[]): Promise<any[]> {
    const result = await this.q(manager)(sql, params);
    return Array.isArray(result[0]) ? result[0] : result;
  }

  private q(manager?: EntityManager) {
    return (manager ?? this.dataSource).query.bind(manager ?? this.dataSource) as (sql: string, params?: unknown[]) => Promise<any[]>;
  }

  async insert(row: Pick<SubscriptionRow, 'id' | 'userId' | 'url' | 'eventTypes' | 'description' | 'sealedSecret'>): Promise<SubscriptionRow> {
    const [created] = await this.q()(
      `INSERT INTO webhook_subscriptions (id, user_id, url, event_types, description, secret) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${SUBSCRIPTION}`,
      [row.id, row.userId, row.url, row.eventTypes, row.description, row.sealedSecret],
    );
    return created;
  }

  async list(userId: string): Promise<SubscriptionRow[]> {
    return this.q()(`SELECT ${SUBSCRIPTION} FROM webhook_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, [userId]);
  }

  async get(userId: string, id: string, manager?: EntityManager): Promise<SubscriptionRow | undefined> {
    const [row] = await this.q(manager)(`SELECT ${SUBSCRIPTION} FROM webhook_subscriptions WHERE user_id = $1 AND id = $2`, [userId, id]);
    return row;
  }

  async byId(id: string, manager?: EntityManager): Promise<SubscriptionRow | undefined> {
    const [row] = await this.q(manager)(`SELECT ${SUBSCRIPTION} FROM webhook_subscriptions WHERE id = $1`, [id]);
    return row;
  }

  async update(
    userId: string,
    id: string,
    changes: Partial<Pick<SubscriptionRow, 'url' | 'eventTypes' | 'description' | 'enabled'>>,
  ): Promise<SubscriptionRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [userId, id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.eventTypes !== undefined) set('event_types', changes.eventTypes);
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.enabled !== undefined) {
      set('enabled', changes.enabled);
      // Enabling again starts a fresh count; the reason of an automatic disable goes.
      if (changes.enabled) sets.push('failed_in_a_row = 0', 'disabled_reason = NULL', 'disabled_at = NULL');
      else sets.push(`disabled_reason = 'disabled by its owner'`, 'disabled_at = now()');
    }
    sets.push('updated_at = now()');
    const [row] = await this.returning(undefined, `UPDATE webhook_subscriptions SET ${sets.join(', ')} WHERE user_id = $1 AND id = $2 RETURNING ${SUBSCRIPTION}`, params);
    return row;
  }

  /** The sealed new secret in place; the current one becomes the previous one (both sealed with the same owner context). */
  async rotate(userId: string, id: string, sealedSecret: string, overlapMs: number): Promise<SubscriptionRow | undefined> {
    const [row] = await this.returning(
      undefined,
      `UPDATE webhook_subscriptions
          SET previous_secret = secret, previous_secret_until = now() + ($3::bigint * interval '1 millisecond'), secret = $4, updated_at = now()
        WHERE user_id = $1 AND id = $2 RETURNING ${SUBSCRIPTION}`,
      [userId, id, overlapMs, sealedSecret],
    );
    return row;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await this.returning(undefined, `DELETE FROM webhook_subscriptions WHERE user_id = $1 AND id = $2 RETURNING id`, [userId, id]);
    return rows.length > 0;
  }

  /** The enabled subscriptions of `userId` (filters are matched by the caller). */
  async enabledOf(manager: EntityManager, userId: string): Promise<SubscriptionRow[]> {
    return this.q(manager)(`SELECT ${SUBSCRIPTION} FROM webhook_subscriptions WHERE user_id = $1 AND enabled`, [userId]);
  }

  /** Adds a delivery; false when this subscription already has one for the event (a redelivered event). */
  async insertDelivery(manager: EntityManager, row: Pick<DeliveryRow, 'id' | 'subscriptionId' | 'eventId' | 'eventType' | 'body'>): Promise<boolean> {
    const rows = await this.q(manager)(
      `INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (subscription_id, event_id) DO NOTHING RETURNING id`,
      [row.id, row.subscriptionId, row.eventId, row.eventType, row.body],
    );
    return rows.length > 0;
  }

  async delivery(id: string, manager?: EntityManager): Promise<DeliveryRow | undefined> {
    const [row] = await this.q(manager)(`SELECT ${DELIVERY} FROM webhook_deliveries WHERE id = $1`, [id]);
    return row;
  }

  async deliveries(subscriptionId: string, filter: { from?: Date; to?: Date; state?: string; limit: number }): Promise<DeliveryRow[]> {
    return this.q()(
      `SELECT ${DELIVERY} FROM webhook_deliveries
        WHERE subscription_id = $1 AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
          AND ($4::text IS NULL OR state = $4)
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [subscriptionId, filter.from ?? null, filter.to ?? null, filter.state ?? null, filter.limit],
    );
  }

  async attempts(deliveryIds: string[]): Promise<(AttemptRow & { deliveryId: string })[]> {
    if (deliveryIds.length === 0) return [];
    return this.q()(
      `SELECT delivery_id AS "deliveryId", attempt, started_at AS "startedAt", status_code AS "statusCode", latency_ms AS "latencyMs",
              error_code AS "errorCode", response_excerpt AS "responseExcerpt"
         FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY id`,
      [deliveryIds],
    );
  }

  /** Records one attempt and the delivery's state after it, in one statement each, one transaction. */
  async recordAttempt(
    manager: EntityManager,
    deliveryId: string,
    attempt: AttemptRow,
    outcome: { state: DeliveryRow['state']; nextAttemptAt: Date | null },
  ): Promise<void> {
    await this.q(manager)(
      `INSERT INTO webhook_attempts (delivery_id, attempt, started_at, status_code, latency_ms, error_code, response_excerpt) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [deliveryId, attempt.attempt, attempt.startedAt, attempt.statusCode, attempt.latencyMs, attempt.errorCode, attempt.responseExcerpt],
    );
    await this.q(manager)(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, state = $2, next_attempt_at = $3, delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END
        WHERE id = $1`,
      [deliveryId, outcome.state, outcome.nextAttemptAt],
    );
  }

  async markPending(manager: EntityManager, deliveryIds: string[]): Promise<void> {
    await this.q(manager)(`UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = now() WHERE id = ANY($1::uuid[])`, [deliveryIds]);
  }

  async markFailed(manager: EntityManager, deliveryId: string): Promise<void> {
    await this.q(manager)(`UPDATE webhook_deliveries SET state = 'failed', next_attempt_at = NULL WHERE id = $1`, [deliveryId]);
  }

  /** A delivered webhook resets the count of deliveries failed in a row. */
  async succeeded(manager: EntityManager, subscriptionId: string): Promise<void> {
    await this.q(manager)(`UPDATE webhook_subscriptions SET failed_in_a_row = 0 WHERE id = $1 AND failed_in_a_row <> 0`, [subscriptionId]);
  }

  /**
   * Counts a delivery that failed for good; disables the subscription when that makes `limit` in a
   * row (limit 0: never). Answers the subscription when this call disabled it.
   */
  async failedForGood(manager: EntityManager, subscriptionId: string, limit: number): Promise<SubscriptionRow | undefined> {
    const [row] = await this.returning(
      manager,
      `UPDATE webhook_subscriptions
          SET failed_in_a_row = failed_in_a_row + 1,
              enabled = CASE WHEN $2 > 0 AND failed_in_a_row + 1 >= $2 THEN false ELSE enabled END,
              disabled_reason = CASE WHEN $2 > 0 AND failed_in_a_row + 1 >= $2 AND enabled THEN $3 ELSE disabled_reason END,
              disabled_at = CASE WHEN $2 > 0 AND failed_in_a_row + 1 >= $2 AND enabled THEN now() ELSE disabled_at END
        WHERE id = $1
        RETURNING ${SUBSCRIPTION}, (disabled_at = now()) AS "justDisabled"`,
      [subscriptionId, limit, `${limit} deliveries in a row failed`],
    );
    return row?.justDisabled ? row : undefined;
  }

  /** One page of sealed secrets, in id order after `afterId` (the sealer walks the table with it). */
  async sealedSecretsPage(afterId: string | null, limit: number): Promise<{ id: string; userId: string; secret: string; previousSecret: string | null }[]> {
    return this.q()(
      `SELECT id, user_id AS "userId", secret, previous_secret AS "previousSecret" FROM webhook_subscriptions
        WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
  }

  /** Writes resealed secrets, unless the row changed since it was read (then the next start reseals it). */
  async replaceSealedSecrets(
    id: string,
    before: { secret: string; previousSecret: string | null },
    after: { secret: string; previousSecret: string | null },
  ): Promise<boolean> {
    const rows = await this.returning(
      undefined,
      `UPDATE webhook_subscriptions SET secret = $4, previous_secret = $5
        WHERE id = $1 AND secret = $2 AND previous_secret IS NOT DISTINCT FROM $3 RETURNING id`,
      [id, before.secret, before.previousSecret, after.secret, after.previousSecret],
    );
    return rows.length > 0;
  }

  async ownerEmail(manager: EntityManager, userId: string): Promise<string | undefined> {
    const [row] = await this.q(manager)(`SELECT email FROM users WHERE id = $1`, [userId]);
    return row?.email;
  }
}
