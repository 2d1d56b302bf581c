import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Quota: plans, usage and admission checks. */
export const quotaConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3006),
  QUOTA_DEFAULT_RECORDINGS_PER_MONTH: field.int({ min: 0 }).default(100),
});

export type QuotaConfig = z.output<typeof quotaConfigSchema>;
