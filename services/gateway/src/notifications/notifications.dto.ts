import { z } from 'zod';
import { KIND_NAMES } from './notification-kinds';

export const preferencesSchema = z.object({
  recordingReady: z.boolean().describe('A mail when a recording is ready'),
  recordingFailed: z.boolean().describe('A mail when the processing of a recording failed'),
  quotaWarning: z.boolean().describe('A mail when your usage reaches 80 % or 100 % of a limit of your plan (the thresholds are a setting)'),
});

export const updatePreferencesSchema = z
  .object({ recordingReady: z.boolean().optional(), recordingFailed: z.boolean().optional(), quotaWarning: z.boolean().optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one switch');

export const unsubscribeQuerySchema = z
  .object({
    user: z.string().uuid('must be a user id'),
    kind: z.enum(KIND_NAMES, { errorMap: () => ({ message: `must be one of ${KIND_NAMES.join(', ')}` }) }),
    sig: z.string().min(1).max(200),
  })
  .strict();

export const unsubscribedSchema = z.object({ kind: z.enum(KIND_NAMES), unsubscribed: z.literal(true) });
/** What opening the link (GET) answers a client that is not a browser: the kind a POST would turn off. */
export const unsubscribeOfferSchema = z.object({ kind: z.enum(KIND_NAMES), unsubscribed: z.literal(false) });
