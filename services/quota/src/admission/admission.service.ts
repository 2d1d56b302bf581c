import { Inject, Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  QuotaMetric,
  type AutomationLimitsFound,
  type CheckUsage,
  type PipelineStarted,
  type QuotaExceeded,
  type ReservationDecision,
  type ReserveRecording,
  type UsageChecked,
  type UsageRecorded,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { newMessageId, type Envelope, type MessagingLogger } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { Clock } from '../clock.service';
import type { QuotaConfig } from '../config/config.schema';
import { QuotaWarnings } from '../warnings/quota-warnings.service';
import { admit, admitUnits, automationLimits, effectiveLimits, periodOf, secondsToNextPeriod } from './limits';
import { QuotaRepository, type MonthlyMetric, type ReservationRow, type Transaction } from './quota.repository';

/** The metrics `CheckUsage` answers: their columns' key and how a refusal names them. */
const MONTHLY_METRICS = new Map<QuotaMetric, { key: MonthlyMetric; label: string }>([
  [QuotaMetric.TRANSCRIPTIONS, { key: 'TRANSCRIPTIONS', label: 'transcriptions' }],
  [QuotaMetric.PROCESSING, { key: 'PROCESSING', label: 'processing' }],
]);

/** What a handler gives the admission service: its transaction and its outbox (a `MessageContext` fits). */
export interface QuotaTx {
  manager: Transaction;
  envelope?: Pick<Envelope, 'time'>;
  publish(type: string, data: unknown, options?: { subject?: string; tenant?: string }): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Admission by reservation: reserve, commit on registration, release, expire. */
@Injectable()
export class AdmissionService {
  constructor(
    private readonly quota: QuotaRepository,
    private readonly clock: Clock,
    private readonly warnings: QuotaWarnings,
    @Inject(SERVICE_CONFIG) private readonly config: QuotaConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

  /**
   * Reserve room for one recording. Decisions of one user are serialised (an advisory lock held
   * until the transaction ends), so two requests can never both take the last unit; the same
   * idempotency key gets the same decision back.
   */
  async reserve(tx: QuotaTx, query: ReserveRecording): Promise<ReservationDecision> {
    const { userId, idempotencyKey } = query;
    if (!userId.trim() || !idempotencyKey.trim()) {
      throw new LeapError('QUOTA.INVALID_REQUEST', 'A reservation needs a user id and an idempotency key', { status: 400 });
    }
    const now = this.clock.now();
    const period = periodOf(now);
    await this.quota.lockUser(tx.manager, userId);
    await this.quota.expire(now, userId, tx.manager);

    const existing = await this.quota.findByKey(tx.manager, userId, idempotencyKey);
    if (existing) {
      const stillValid = existing.status === 'committed' || existing.status === 'reserved' || (existing.status === 'denied' && existing.period === period);
      if (stillValid) return this.decision(existing, now);
      // Released (or expired) reservations and refusals of an earlier period are decided afresh.
      await this.quota.deleteReservation(tx.manager, existing.id);
    }

    const limits = effectiveLimits(await this.quota.subscriptionLimits(tx.manager, userId, now), this.config.QUOTA_DEFAULT_RECORDINGS_PER_MONTH);
    const usage = await this.quota.usage(tx.manager, userId, period);
    const held = await this.quota.heldReservations(tx.manager, userId, period);
    const admission = admit(limits, usage.recordings + held, usage.storageBytes);
    const row: ReservationRow = admission.granted
      ? {
          id: newMessageId(),
          userId,
          period,
          idempotencyKey,
          status: 'reserved',
          metric: QuotaMetric.RECORDINGS,
          limit: admission.limit,
          used: admission.used,
          reason: null,
          expiresAt: new Date(now.getTime() + this.config.QUOTA_RESERVATION_TTL),
        }
      : {
          id: newMessageId(),
          userId,
          period,
          idempotencyKey,
          status: 'denied',
          metric: admission.metric,
          limit: admission.limit,
          used: admission.used,
          reason: admission.reason,
          expiresAt: null,
        };
    await this.quota.insertReservation(tx.manager, row);
    if (admission.granted) {
      // This reservation counts from now on: the usage a warning speaks of includes it.
      await this.warnings.check(tx, userId, QuotaMetric.RECORDINGS, period, admission.used + 1, admission.limit);
    } else {
      const exceeded: QuotaExceeded = {
        userId,
        metric: admission.metric,
        limit: String(admission.limit),
        used: String(admission.used),
        period,
      };
      await tx.publish(MESSAGE_TYPES.quota.QuotaExceeded, exceeded, { subject: userId, tenant: userId });
      this.logger.info('Reservation refused', { userId, metric: admission.metric, limit: admission.limit, used: admission.used, period });
    }
    return this.decision(row, now);
  }

  /** `ingest.recording.registered.v1` carries a reservation: the recording exists, count it. */
  async commit(tx: QuotaTx, reservationId: string | undefined, userId: string, recordingId: string): Promise<void> {
    if (!reservationId) return;
    if (!UUID.test(reservationId)) {
      this.logger.warn('Registered recording names a malformed reservation; not counted', { reservationId, recordingId });
      return;
    }
    await this.quota.lockUser(tx.manager, userId);
    const reservation = await this.quota.findById(tx.manager, reservationId);
    if (!reservation || reservation.userId !== userId) {
      this.logger.warn('Registered recording names an unknown reservation; not counted', { reservationId, recordingId, userId });
      return;
    }
    if (reservation.status === 'committed' || reservation.status === 'denied') {
      this.logger.info('Reservation not committed', { reservationId, status: reservation.status });
      return;
    }
    // A reservation released meanwhile (expired while the upload ran) still counts: the recording exists.
    const now = this.clock.now();
    await this.quota.settle(tx.manager, reservation.id, 'committed', now, { recordingId });
    const total = await this.quota.addRecordings(tx.manager, userId, reservation.period, 1);
    const recorded: UsageRecorded = {
      userId,
      metric: QuotaMetric.RECORDINGS,
      period: reservation.period,
      delta: '1',
      total: String(total),
      recordingId,
    };
    await tx.publish(MESSAGE_TYPES.quota.UsageRecorded, recorded, { subject: userId, tenant: userId });
  }

  /** `quota.reservation.release.v1`: give back a reservation that will not be used. */
  async release(tx: QuotaTx, reservationId: string, userId: string, reason: string | undefined): Promise<void> {
    if (!UUID.test(reservationId)) {
      throw new LeapError('QUOTA.INVALID_RESERVATION_ID', `Not a reservation id: ${reservationId}`, { status: 400 });
    }
    await this.quota.lockUser(tx.manager, userId);
    const reservation = await this.quota.findById(tx.manager, reservationId);
    if (!reservation || reservation.userId !== userId || reservation.status !== 'reserved') {
      this.logger.info('Nothing to release', { reservationId, userId, status: reservation?.status ?? 'unknown' });
      return;
    }
    await this.quota.settle(tx.manager, reservation.id, 'released', this.clock.now(), { releaseReason: reason || 'released' });
  }

  /** `storage.usage.changed.v1`: the user's storage total. */
  async recordStorage(tx: QuotaTx, userId: string, totalBytes: string): Promise<void> {
    const at = tx.envelope?.time ? new Date(tx.envelope.time) : this.clock.now();
    const now = this.clock.now();
    const period = periodOf(now);
    await this.quota.lockUser(tx.manager, userId);
    await this.quota.setStorageBytes(tx.manager, userId, period, totalBytes, at);
    const limits = effectiveLimits(await this.quota.subscriptionLimits(tx.manager, userId, now), this.config.QUOTA_DEFAULT_RECORDINGS_PER_MONTH);
    if (limits.storageBytes === null) return;
    // The total kept, not the one reported: an older report than the one kept changed nothing.
    const usage = await this.quota.usage(tx.manager, userId, period);
    await this.warnings.check(tx, userId, QuotaMetric.STORAGE_BYTES, period, usage.storageBytes, limits.storageBytes);
  }

  /** The user's effective limits on automation jobs (ingest enforces them when a job is saved). */
  async automationLimits(tx: QuotaTx, userId: string): Promise<AutomationLimitsFound> {
    const limits = automationLimits(await this.quota.automationSubscription(tx.manager, userId, this.clock.now()));
    if (!limits.subscribed) return { subscribed: false };
    return {
      subscribed: true,
      plan: limits.plan,
      ...(limits.maxJobs !== null ? { maxJobs: limits.maxJobs } : {}),
      ...(limits.minIntervalHours !== null ? { minIntervalHours: limits.minIntervalHours } : {}),
    };
  }

  /**
   * Whether `units` more of a monthly metric fit the user's limit now: transcriptions (finished
   * ones this period against the plan's `transcriptions_per_month`) or processing (pipelines
   * started this period against `processing_per_month`). No subscription, or NULL: unlimited, as
   * the reference's defaults. Nothing is held; a refusal publishes `quota.exceeded.v1`.
   */
  async checkUsage(tx: QuotaTx, query: CheckUsage): Promise<UsageChecked> {
    const { userId, metric } = query;
    if (!userId.trim()) throw new LeapError('QUOTA.INVALID_REQUEST', 'A usage check needs a user id', { status: 400 });
    const monthly = MONTHLY_METRICS.get(metric);
    if (!monthly) throw new LeapError('QUOTA.INVALID_REQUEST', `Usage of ${metric} is not checked this way`, { status: 400 });
    const now = this.clock.now();
    const period = periodOf(now);
    const limit = (await this.quota.monthlyLimit(tx.manager, monthly.key, userId, now))?.limit ?? null;
    const used = await this.quota.monthlyUsed(tx.manager, monthly.key, userId, period);
    const units = Math.max(1, query.units ?? 1);
    const base = { metric, used: String(used), period, ...(limit !== null ? { limit: String(limit) } : {}) };
    if (admitUnits(limit, used, units)) return { granted: true, ...base };
    const exceeded: QuotaExceeded = { userId, metric, limit: String(limit), used: String(used), period };
    await tx.publish(MESSAGE_TYPES.quota.QuotaExceeded, exceeded, { subject: userId, tenant: userId });
    this.logger.info('Usage check refused', { userId, metric, limit, used, units, period });
    const reason =
      units > 1 ? `Monthly ${monthly.label} limit: ${used} of ${limit} used, ${units} more asked` : `Monthly ${monthly.label} limit reached: ${used} of ${limit}`;
    return { granted: false, ...base, reason, retryAfterSeconds: secondsToNextPeriod(now) };
  }

  /** `transcription.recording.transcribed.v1`: one transcription finished, counted in the period it finished in. */
  async recordTranscription(tx: QuotaTx, userId: string, recordingId: string): Promise<void> {
    const at = tx.envelope?.time ? new Date(tx.envelope.time) : this.clock.now();
    const period = periodOf(at);
    await this.quota.lockUser(tx.manager, userId);
    const total = await this.quota.addMonthly(tx.manager, 'TRANSCRIPTIONS', userId, period, 1);
    const recorded: UsageRecorded = { userId, metric: QuotaMetric.TRANSCRIPTIONS, period, delta: '1', total: String(total), recordingId };
    await tx.publish(MESSAGE_TYPES.quota.UsageRecorded, recorded, { subject: userId, tenant: userId });
    await this.warnMonthly(tx, userId, QuotaMetric.TRANSCRIPTIONS, period, total, at);
  }

  /**
   * `ingest.pipeline.started.v1`: a run started a recording's pipeline, counted in the period it
   * started in, once per run id (the inbox drops a redelivery; the run id also drops a copy of the
   * event under another message id).
   */
  async recordPipelineStart(tx: QuotaTx, started: PipelineStarted): Promise<void> {
    const { userId, recordingId, runId } = started;
    // The period of the event's time, as a finished transcription's.
    const at = tx.envelope?.time ? new Date(tx.envelope.time) : this.clock.now();
    const period = periodOf(at);
    await this.quota.lockUser(tx.manager, userId);
    if (!(await this.quota.claimPipelineRun(tx.manager, { runId, userId, recordingId, period }))) {
      this.logger.info('Pipeline start counted already', { userId, recordingId, runId });
      return;
    }
    const total = await this.quota.addMonthly(tx.manager, 'PROCESSING', userId, period, 1);
    const recorded: UsageRecorded = { userId, metric: QuotaMetric.PROCESSING, period, delta: '1', total: String(total), recordingId };
    await tx.publish(MESSAGE_TYPES.quota.UsageRecorded, recorded, { subject: userId, tenant: userId });
    await this.warnMonthly(tx, userId, QuotaMetric.PROCESSING, period, total, at);
  }

  /**
   * A monthly metric's usage moved to `used`: the user is warned at each threshold of the plan's
   * limit (QUOTA_WARNING_THRESHOLDS), as for recordings and storage. At 100 % of the processing
   * limit ingest holds the auto-runs that follow until the period ends.
   */
  private async warnMonthly(tx: QuotaTx, userId: string, metric: QuotaMetric, period: string, used: number, at: Date): Promise<void> {
    const monthly = MONTHLY_METRICS.get(metric)!;
    const limit = (await this.quota.monthlyLimit(tx.manager, monthly.key, userId, at))?.limit ?? null;
    await this.warnings.check(tx, userId, metric, period, used, limit);
  }

  /** Releases every reservation past its expiry; returns how many. */
  expireStale(): Promise<number> {
    return this.quota.expire(this.clock.now());
  }

  private decision(row: ReservationRow, now: Date): ReservationDecision {
    const granted = row.status === 'reserved' || row.status === 'committed';
    const base = { granted, used: String(row.used), period: row.period, ...(row.limit !== null ? { limit: String(row.limit) } : {}) };
    if (granted) {
      return { ...base, reservationId: row.id, ...(row.expiresAt ? { expiresAt: row.expiresAt.toISOString() } : {}) };
    }
    return {
      ...base,
      metric: row.metric as QuotaMetric,
      reason: row.reason ?? 'Quota exceeded',
      ...(row.metric === QuotaMetric.RECORDINGS ? { retryAfterSeconds: secondsToNextPeriod(now) } : {}),
    };
  }
}
