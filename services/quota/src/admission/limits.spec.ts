import { admit, admitUnits, automationLimits, effectiveLimits, periodOf, secondsToNextPeriod } from './limits';

describe('quota arithmetic', () => {
  it('names the period of a moment in UTC', () => {
    expect(periodOf(new Date('2026-01-31T23:59:59Z'))).toBe('2026-01');
    expect(periodOf(new Date('2026-12-01T00:00:00Z'))).toBe('2026-12');
  });

  it('counts the seconds to the next period, across a year end', () => {
    expect(secondsToNextPeriod(new Date('2026-12-31T23:59:00Z'))).toBe(60);
    expect(secondsToNextPeriod(new Date('2026-02-28T00:00:00Z'))).toBe(86_400);
  });

  it('gives a user without a subscription the default monthly limit and no storage limit', () => {
    expect(effectiveLimits(undefined, 100)).toEqual({ recordingsPerMonth: 100, storageBytes: null });
  });

  it('lets an override win over the plan, an override of 0 included', () => {
    const plan = { planRecordingsPerMonth: 50, planStorageBytes: 1000, customRecordingsPerMonth: null, customStorageBytes: null };
    expect(effectiveLimits(plan, 100)).toEqual({ recordingsPerMonth: 50, storageBytes: 1000 });
    expect(effectiveLimits({ ...plan, customRecordingsPerMonth: 0, customStorageBytes: 5 }, 100)).toEqual({ recordingsPerMonth: 0, storageBytes: 5 });
  });

  it('treats a plan without a limit as unlimited', () => {
    const unlimited = { planRecordingsPerMonth: null, planStorageBytes: null, customRecordingsPerMonth: null, customStorageBytes: null };
    expect(admit(effectiveLimits(unlimited, 100), 10_000, 10 ** 12)).toEqual({ granted: true, limit: null, used: 10_000 });
  });

  it('refuses the recording that would go past the monthly limit, then on storage', () => {
    expect(admit({ recordingsPerMonth: 2, storageBytes: null }, 1, 0)).toEqual({ granted: true, limit: 2, used: 1 });
    expect(admit({ recordingsPerMonth: 2, storageBytes: null }, 2, 0)).toMatchObject({ granted: false, metric: 'QUOTA_METRIC_RECORDINGS', limit: 2, used: 2 });
    expect(admit({ recordingsPerMonth: 2, storageBytes: 100 }, 0, 100)).toMatchObject({ granted: false, metric: 'QUOTA_METRIC_STORAGE_BYTES', limit: 100, used: 100 });
  });

  describe('automation limits', () => {
    const plus = { plan: 'plus', planJobs: 3, planMinIntervalHours: 1, customJobs: null, customMinIntervalHours: null };

    it("leaves a user without a subscription to the caller's defaults", () => {
      expect(automationLimits(undefined)).toEqual({ subscribed: false });
    });

    it("takes the plan's limits when the user has no override", () => {
      expect(automationLimits(plus)).toEqual({ subscribed: true, plan: 'plus', maxJobs: 3, minIntervalHours: 1 });
    });

    it('lets an override win over the plan, an override of 0 meaning 0', () => {
      expect(automationLimits({ ...plus, customJobs: 12, customMinIntervalHours: 6 })).toEqual({ subscribed: true, plan: 'plus', maxJobs: 12, minIntervalHours: 6 });
      expect(automationLimits({ ...plus, customJobs: 0, customMinIntervalHours: 0 })).toEqual({ subscribed: true, plan: 'plus', maxJobs: 0, minIntervalHours: 0 });
    });

    it('treats a plan without a limit as unlimited, unless an override sets one', () => {
      const enterprise = { plan: 'enterprise', planJobs: null, planMinIntervalHours: null, customJobs: null, customMinIntervalHours: null };
      expect(automationLimits(enterprise)).toEqual({ subscribed: true, plan: 'enterprise', maxJobs: null, minIntervalHours: null });
      expect(automationLimits({ ...enterprise, customJobs: 5 })).toEqual({ subscribed: true, plan: 'enterprise', maxJobs: 5, minIntervalHours: null });
    });
  });

  it('lets units counted on success reach the limit, not pass it; no limit admits any', () => {
    expect(admitUnits(10, 9, 1)).toBe(true);
    expect(admitUnits(10, 10, 1)).toBe(false);
    expect(admitUnits(10, 8, 3)).toBe(false);
    expect(admitUnits(10, 9, 0)).toBe(true);
    expect(admitUnits(0, 0, 1)).toBe(false);
    expect(admitUnits(null, 1_000, 50)).toBe(true);
  });
});
