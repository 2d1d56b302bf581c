import { Inject, Injectable } from '@nestjs/common';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { MESSAGE_TYPES, type AutomationLimits, type AutomationLimitsFound, type GetAutomationLimits, type ReleaseReservation, type ReservationDecision, type ReserveRecording } from '@leap/contracts';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import { RecordingsRepository } from './recordings.repository';
import { shortName } from './recordings.dto';

/** Admission through the quota service: reserve before an upload is stored, release if it is not; the plan's automation limits. */
@Injectable()
export class QuotaClient {
  constructor(
    private readonly bus: MessageBus,
    private readonly recordings: RecordingsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'QUOTA_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** The granted reservation's id; a refusal is a 429 `QUOTA.EXCEEDED`, no answer a 503 `QUOTA.UNAVAILABLE`. */
  async reserveRecording(userId: string, idempotencyKey: string): Promise<string | undefined> {
    const query: ReserveRecording = { userId, idempotencyKey };
    let decision: ReservationDecision;
    try {
      decision = await this.bus.request(MESSAGE_TYPES.quota.ReserveRecording, query, {
        subject: userId,
        tenant: userId,
        timeoutMs: this.config.QUOTA_REQUEST_TIMEOUT,
      });
    } catch (error) {
      this.logger.warn(`quota did not admit the upload: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('QUOTA.UNAVAILABLE', 'The quota service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
    if (!decision.granted) {
      throw new LeapError('QUOTA.EXCEEDED', decision.reason || 'Your plan does not allow another recording now', {
        status: 429,
        details: {
          metric: shortName(decision.metric, 'QUOTA_METRIC_') ?? undefined,
          limit: decision.limit === undefined ? undefined : Number(decision.limit),
          used: decision.used === undefined ? undefined : Number(decision.used),
          period: decision.period || undefined,
          retryAfterSeconds: decision.retryAfterSeconds ?? undefined,
        },
      });
    }
    return decision.reservationId || undefined;
  }

  /**
   * The user's limits on automation jobs, for ingest to enforce when a job is saved: undefined when
   * the user has no plan (ingest's own settings apply); no answer is a 503 `QUOTA.UNAVAILABLE`.
   */
  async automationLimits(userId: string): Promise<AutomationLimits | undefined> {
    const query: GetAutomationLimits = { userId };
    let found: AutomationLimitsFound;
    try {
      found = await this.bus.request(MESSAGE_TYPES.quota.GetAutomationLimits, query, { subject: userId, tenant: userId, timeoutMs: this.config.QUOTA_REQUEST_TIMEOUT });
    } catch (error) {
      this.logger.warn(`quota did not answer the automation limits: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('QUOTA.UNAVAILABLE', 'The quota service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
    if (!found.subscribed) return undefined;
    return {
      plan: found.plan || 'unnamed',
      ...(found.maxJobs !== undefined && found.maxJobs !== null ? { maxJobs: found.maxJobs } : {}),
      ...(found.minIntervalHours !== undefined && found.minIntervalHours !== null ? { minIntervalHours: found.minIntervalHours } : {}),
    };
  }

  /** Gives a reservation back when the upload it was for did not become a recording. */
  async release(userId: string, reservationId: string, reason: string): Promise<void> {
    const command: ReleaseReservation = { reservationId, userId, reason };
    try {
      await this.recordings.transaction((manager) => this.bus.send(manager, MESSAGE_TYPES.quota.ReleaseReservation, command, { subject: userId, tenant: userId }));
    } catch (error) {
      // Quota expires unused reservations on its own; log and move on.
      this.logger.error(`could not release quota reservation ${reservationId}: ${(error as Error).message}`);
    }
  }
}
