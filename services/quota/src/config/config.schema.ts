import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Quota: plans, usage and admission checks. */
export const quotaConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3006),
  QUOTA_DEFAULT_RECORDINGS_PER_MONTH: field.int({ min: 0 }).default(100),
  /** How long a granted reservation waits for its recording before it is released. */
  QUOTA_RESERVATION_TTL: field.duration({ min: 1000 }).default('6h'),
  /** How often reservations past their expiry are released. */
  QUOTA_RESERVATION_SWEEP_INTERVAL: field.duration({ min: 100 }).default('1m'),
  /**
   * The shares of a limit, in percent, at which the user is warned (`quota.warning.raised.v1`),
   * each once per period: whole numbers from 1 to 100, comma-separated.
   */
  QUOTA_WARNING_THRESHOLDS: field
    .list({ item: (v) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 100 ? undefined : 'is not a whole percentage from 1 to 100') })
    .default('80,100')
    .refine((items) => items.length > 0, 'expected at least one percentage, e.g. 80,100')
    .transform((items) => [...new Set(items.map(Number))].sort((a, b) => a - b)),
});

export type QuotaConfig = z.output<typeof quotaConfigSchema>;
