/**
 * Pure quota arithmetic: accounting periods and effective limits (recordings, storage, transcriptions, automation jobs). `null` means unlimited.
 */

/** The accounting period of a moment, `YYYY-MM` in UTC. */
export function periodOf(at: Date): string {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Whole seconds from `at` to the start of the next period (at least 1). */
export function secondsToNextPeriod(at: Date): number {
  const next = Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1);
  return Math.max(1, Math.ceil((next - at.getTime()) / 1000));
}

/** A user's subscription joined with its plan, as far as admission needs it. */
export interface SubscriptionLimits {
  planRecordingsPerMonth: number | null;
  planStorageBytes: number | null;
  customRecordingsPerMonth: number | null;
  customStorageBytes: number | null;
}

export interface EffectiveLimits {
  recordingsPerMonth: number | null;
  storageBytes: number | null;
}

/**
 * A per-user override wins over the plan, and an override of 0 means 0 (the reference's `or`
 * let it fall through to the plan). No subscription: the default monthly recordings limit, no
 * storage limit.
 */
export function effectiveLimits(subscription: SubscriptionLimits | undefined, defaultRecordingsPerMonth: number): EffectiveLimits {
  if (!subscription) return { recordingsPerMonth: defaultRecordingsPerMonth, storageBytes: null };
  return {
    recordingsPerMonth: subscription.customRecordingsPerMonth ?? subscription.planRecordingsPerMonth,
    storageBytes: subscription.customStorageBytes ?? subscription.planStorageBytes,
  };
}

export type Admission =
  | { granted: true; limit: number | null; used: number }
  | { granted: false; metric: 'QUOTA_METRIC_RECORDINGS' | 'QUOTA_METRIC_STORAGE_BYTES'; limit: number; used: number; reason: string };

/** Whether one more recording fits: the monthly count (reservations held included), then storage. */
export function admit(limits: EffectiveLimits, recordingsUsed: number, storageBytesUsed: number): Admission {
  if (limits.recordingsPerMonth !== null && recordingsUsed >= limits.recordingsPerMonth) {
    return {
      granted: false,
      metric: 'QUOTA_METRIC_RECORDINGS',
      limit: limits.recordingsPerMonth,
      used: recordingsUsed,
      reason: `Monthly recordings limit reached: ${recordingsUsed} of ${limits.recordingsPerMonth}`,
    };
  }
  if (limits.storageBytes !== null && storageBytesUsed >= limits.storageBytes) {
    return {
      granted: false,
      metric: 'QUOTA_METRIC_STORAGE_BYTES',
      limit: limits.storageBytes,
      used: storageBytesUsed,
      reason: `Storage limit reached: ${storageBytesUsed} of ${limits.storageBytes} bytes`,
    };
  }
  return { granted: true, limit: limits.recordingsPerMonth, used: recordingsUsed };
}

/** A user's subscription joined with its plan, for the limits on automation jobs. */
export interface AutomationSubscription {
  plan: string;
  planJobs: number | null;
  planMinIntervalHours: number | null;
  customJobs: number | null;
  customMinIntervalHours: number | null;
}

/** What a user may do with automation jobs; `subscribed: false` leaves the limits to ingest's settings. */
export type AutomationLimits =
  | { subscribed: false }
  | { subscribed: true; plan: string; maxJobs: number | null; minIntervalHours: number | null };

/**
 * The override wins over the plan and an override of 0 means 0, as for recordings; a limit the
 * plan leaves NULL is unlimited (no minimum interval). No subscription: the caller's defaults.
 */
export function automationLimits(subscription: AutomationSubscription | undefined): AutomationLimits {
  if (!subscription) return { subscribed: false };
  return {
    subscribed: true,
    plan: subscription.plan,
    maxJobs: subscription.customJobs ?? subscription.planJobs,
    minIntervalHours: subscription.customMinIntervalHours ?? subscription.planMinIntervalHours,
  };
}

/** Whether `units` more fit a limit counted on success (transcriptions): `used + units` may reach the limit, not pass it. */
export function admitUnits(limit: number | null, used: number, units: number): boolean {
  return limit === null || used + Math.max(1, units) <= limit;
}
