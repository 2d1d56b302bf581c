import { Inject, Injectable } from '@nestjs/common';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import {
  MESSAGE_TYPES,
  QuotaMetric,
  type AutomationLimits,
  type AutomationLimitsFound,
  type CheckUsage,
  type GetAutomationLimits,
  type ReleaseReservation,
  type ReservationDecision,
  type ReserveRecording,
  type UsageChecked,
} from '@leap/contracts';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import { RecordingsRepository } from './recordings.repository';
import { shortName } from './recordings.dto';

/**
 * Admission through the quota service: reserve before an upload is stored, release if it is not;
 * the monthly transcriptions before a transcription starts and the monthly processing before a
 * run; the plan's automation limits.
 */
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
      throw this.unavailable('did not admit the upload', error);
    }
    if (!decision.granted) throw exceeded(decision, 'Your plan does not allow another recording now');
    return decision.reservationId || undefined;
  }

  /**
   * Checks that `units` more transcriptions fit the user's monthly limit before any starts (the
   * reference's `/transcribe` gate). Nothing is held: quota counts a transcription when it
   * finishes. A refusal is a 429 `QUOTA.EXCEEDED`, no answer a 503 `QUOTA.UNAVAILABLE`.
   */
  admitTranscriptions(userId: string, units = 1): Promise<void> {
    return this.admitUsage(userId, QuotaMetric.TRANSCRIPTIONS, units, 'the transcription', 'Your plan does not allow another transcription this month');
  }

  /**
   * Checks that `units` more pipeline runs fit the user's monthly processing before any starts
   * (the reference's `/run` gate). Nothing is held: quota counts a run when ingest starts its
   * pipeline. A refusal is a 429 `QUOTA.EXCEEDED`, no answer a 503 `QUOTA.UNAVAILABLE`.
   */
  admitProcessing(userId: string, units = 1): Promise<void> {
    return this.admitUsage(userId, QuotaMetric.PROCESSING, units, 'the run', 'Your plan does not allow another pipeline run this month');
  }

  private async admitUsage(userId: string, metric: QuotaMetric, units: number, what: string, fallback: string): Promise<void> {
    const query: CheckUsage = { userId, metric, units };
    let checked: UsageChecked;
    try {
      checked = await this.bus.request(MESSAGE_TYPES.quota.CheckUsage, query, { subject: userId, tenant: userId, timeoutMs: this.config.QUOTA_REQUEST_TIMEOUT });
    } catch (error) {
      throw this.unavailable(`did not admit ${what}`, error);
    }
    if (!checked.granted) throw exceeded(checked, fallback);
  }

  private unavailable(what: string, error: unknown): LeapError {
    this.logger.warn(`quota ${what}: ${(error as Error).message}`, { code: (error as LeapError).code });
    return new LeapError('QUOTA.UNAVAILABLE', 'The quota service did not answer; try again shortly', {
      status: 503,
      retryable: true,
      details: { retryAfterSeconds: 5 },
      cause: error,
    });
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
      throw this.unavailable('did not answer the automation limits', error);
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

/** A refusal of quota's as the 429 every quota refusal answers: the metric, limit, usage, period and `Retry-After`. */
function exceeded(decision: Pick<ReservationDecision, 'metric' | 'limit' | 'used' | 'period' | 'retryAfterSeconds' | 'reason'>, fallback: string): LeapError {
  return new LeapError('QUOTA.EXCEEDED', decision.reason || fallback, {
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
