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
});

export type QuotaConfig = z.output<typeof quotaConfigSchema>;
