import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Logger } from 'winston';
import { LeapError } from '@leap/errors';
import { SecretsError } from '@leap/secrets';
import { JobHandler, type JobCommit, type JobContext, type JobFailure } from '@leap/jobs';
import type { MessageContext } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { nextRetryInMs, parseRetryAfter } from './retry-schedule';
import { webhookHeaders } from './signing';
import { DELIVERY_JOB, WebhookDeliveries } from './webhook-deliveries.service';
import { WebhookSecretVault } from './webhook-secrets';
import { WebhookSender, type AttemptResult } from './webhook-sender';
import { WebhooksRepository, type SubscriptionRow } from './webhooks.repository';

type Config = Pick<GatewayConfig, 'WEBHOOK_RETRY_SCHEDULE' | 'WEBHOOK_MAX_RETRY_AFTER' | 'WEBHOOK_MAX_PAYLOAD_BYTES'>;

/** Whether an answer counts as delivered: any 2xx. A redirect is not followed and counts as a failure. */
const delivered = (result: AttemptResult) => result.status !== undefined && result.status >= 200 && result.status < 300;

/**
 * One attempt of one delivery. Every attempt is logged (status, latency, the start of the
 * answer); a failed one is tried again on the schedule (`WEBHOOK_RETRY_SCHEDULE`, ±20 % jitter,
 * later when the receiver's Retry-After asks for it), and the delivery gives up when the schedule
 * has run out.
 */
@Injectable()
export class WebhookDeliveryJob {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly deliveries: WebhookDeliveries,
    private readonly sender: WebhookSender,
    private readonly vault: WebhookSecretVault,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: Config,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @JobHandler(DELIVERY_JOB, { onFailed: 'gaveUp' })
  async deliver(job: JobContext<{ deliveryId: string }>): Promise<JobCommit | void> {
    const delivery = await this.repository.delivery(job.data.deliveryId);
    if (!delivery || delivery.state !== 'pending') return; // deleted with its subscription, or already settled
    const subscription = await this.repository.byId(delivery.subscriptionId);
    if (!subscription?.enabled) {
      return async (ctx) => this.repository.markFailed(ctx.manager, delivery.id);
    }
    const attempt = delivery.attempts + 1;
    const startedAt = new Date();
    let result: AttemptResult;
    if (Buffer.byteLength(delivery.body) > this.config.WEBHOOK_MAX_PAYLOAD_BYTES) {
      result = { latencyMs: 0, errorCode: 'WEBHOOK.PAYLOAD_TOO_LARGE', errorMessage: `The payload is larger than ${this.config.WEBHOOK_MAX_PAYLOAD_BYTES} bytes` };
    } else {
      const secrets = this.signingSecrets(subscription);
      if (secrets instanceof SecretsError) {
        // The key that sealed the secret is not in WEBHOOK_SECRETS_KEYRING: retried on the schedule, in case it comes back.
        result = { latencyMs: 0, errorCode: secrets.code, errorMessage: 'The signing secret does not open with the configured keys' };
      } else {
        const headers = webhookHeaders(secrets, delivery.id, Math.floor(startedAt.getTime() / 1000), delivery.body);
        result = await this.sender.send(subscription.url, headers, delivery.body);
        if (!delivered(result) && result.status !== undefined && result.status >= 300 && result.status < 400) {
          result = { ...result, errorCode: 'WEBHOOK.REDIRECT' };
        }
      }
    }
    const log = {
      attempt,
      startedAt,
      statusCode: result.status ?? null,
      latencyMs: result.latencyMs,
      errorCode: result.errorCode ?? (delivered(result) ? null : 'WEBHOOK.HTTP_STATUS'),
      responseExcerpt: result.excerpt ?? result.errorMessage ?? null,
    };
    if (delivered(result)) {
      return async (ctx) => {
        await this.repository.recordAttempt(ctx.manager, delivery.id, log, { state: 'delivered', nextAttemptAt: null });
        await this.repository.succeeded(ctx.manager, subscription.id);
      };
    }
    const final = log.errorCode === 'WEBHOOK.PAYLOAD_TOO_LARGE';
    const retryInMs = final
      ? undefined
      : nextRetryInMs(this.config.WEBHOOK_RETRY_SCHEDULE, job.attempt, {
          retryAfterMs: parseRetryAfter(result.retryAfter, Date.now()),
          maxRetryAfterMs: this.config.WEBHOOK_MAX_RETRY_AFTER,
        });
    await this.dataSource.transaction((manager) =>
      this.repository.recordAttempt(manager, delivery.id, log, {
        state: 'pending',
        nextAttemptAt: retryInMs === undefined ? null : new Date(Date.now() + retryInMs),
      }),
    );
    this.logger.info('Webhook delivery attempt failed', { deliveryId: delivery.id, attempt, status: result.status, code: log.errorCode, retryInMs });
    const message = `Attempt ${attempt} failed: ${result.status !== undefined ? `HTTP ${result.status}` : (result.errorMessage ?? log.errorCode)}`;
    if (retryInMs === undefined) throw new LeapError(log.errorCode ?? 'WEBHOOK.DELIVERY_FAILED', message, { retryable: false });
    throw new LeapError(log.errorCode ?? 'WEBHOOK.DELIVERY_FAILED', message, { retryable: true, details: { retryInMs } });
  }

  /** The secrets that sign now, newest first: the current one, and the previous one while the rotation overlaps. */
  private signingSecrets(subscription: SubscriptionRow): string[] | SecretsError {
    try {
      const secrets = [this.vault.open(subscription, subscription.sealedSecret)];
      const until = subscription.previousSecretUntil;
      if (subscription.sealedPreviousSecret && until && new Date(until).getTime() > Date.now()) {
        secrets.push(this.vault.open(subscription, subscription.sealedPreviousSecret));
      }
      return secrets;
    } catch (error) {
      if (error instanceof SecretsError) return error;
      throw error;
    }
  }

  /** The delivery will not be tried again (schedule used up, or its worker kept dying). */
  async gaveUp(ctx: MessageContext<{ deliveryId: string }>, _failure: JobFailure): Promise<void> {
    await this.deliveries.gaveUp(ctx, ctx.data.deliveryId);
  }
}
