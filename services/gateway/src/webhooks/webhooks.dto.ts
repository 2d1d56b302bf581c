import { z } from 'zod';

const url = z
  .string()
  .trim()
  .url('must be an absolute http(s) URL')
  .max(2000, 'must be at most 2000 characters')
  // zod runs a refinement even after `.url()` refused the value: parse without throwing.
  .refine((value) => /^https?:$/.test(URL.canParse(value) ? new URL(value).protocol : ''), 'must be an http or https URL');
const eventTypes = z
  .array(z.string().trim().regex(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, 'must be an event type such as recording.registered, or recording.*'))
  .min(1, 'must name at least one event type')
  .max(50)
  .transform((list) => [...new Set(list)])
  .describe('Public event types to receive (`recording.registered`), with `*` at the end for a family (`recording.*`), or `*` for all');
const description = z.string().trim().max(500, 'must be at most 500 characters');

export const createWebhookSchema = z
  .object({ url, eventTypes, description: description.optional() })
  .strict();
export type CreateWebhook = z.output<typeof createWebhookSchema>;

export const updateWebhookSchema = z
  .object({ url: url.optional(), eventTypes: eventTypes.optional(), description: description.nullable().optional(), enabled: z.boolean().optional() })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field');
export type UpdateWebhook = z.output<typeof updateWebhookSchema>;

const timestamp = z.string().datetime();

export const webhookViewSchema = z.object({
  id: z.string().uuid(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe('Why it is disabled: by its owner, or after deliveries failed in a row'),
  disabledAt: timestamp.nullable(),
  previousSecretUntil: timestamp.nullable().describe('Until when the secret before the last rotation still signs'),
  createdAt: timestamp,
  updatedAt: timestamp,
});

export const webhookWithSecretSchema = webhookViewSchema.extend({
  secret: z.string().describe('`whsec_…`: shown only in this answer. Verify signatures with it (Standard Webhooks)'),
});

export const webhookListSchema = z.object({ items: z.array(webhookViewSchema) });

export const eventTypesSchema = z.object({
  items: z.array(
    z.object({
      name: z.string().describe('The public name, e.g. `recording.registered`'),
      version: z.string(),
      schema: z.string().describe('The proto message of `data`'),
      description: z.string(),
      example: z.record(z.unknown()).describe('An example of `data`'),
    }),
  ),
});

export const deliveriesQuerySchema = z
  .object({
    from: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional().describe('Deliveries created at or after'),
    to: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional().describe('Deliveries created before'),
    state: z.enum(['pending', 'delivered', 'failed']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

export const redeliverRangeSchema = z
  .object({
    from: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
    to: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
    state: z.enum(['failed', 'delivered', 'pending']).optional().describe('Only deliveries in this state (all when absent)'),
  })
  .strict();

const attemptSchema = z.object({
  attempt: z.number().int(),
  startedAt: timestamp,
  status: z.number().int().nullable().describe("The receiver's HTTP status; null when it did not answer"),
  latencyMs: z.number().int(),
  errorCode: z.string().nullable().describe('Why the attempt failed without a usable answer (`WEBHOOK.TIMEOUT`, `OUTBOUND.ADDRESS_NOT_ALLOWED`, `WEBHOOK.REDIRECT`, …)'),
  responseExcerpt: z.string().nullable().describe("The first KiB of the receiver's answer"),
});

export const deliveryViewSchema = z.object({
  id: z.string().describe('The `webhook-id` header: the same on every attempt'),
  eventId: z.string(),
  eventType: z.string(),
  state: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.array(attemptSchema),
  nextAttemptAt: timestamp.nullable(),
  deliveredAt: timestamp.nullable(),
  createdAt: timestamp,
});

export const deliveryListSchema = z.object({ items: z.array(deliveryViewSchema) });
export const queuedSchema = z.object({ deliveryIds: z.array(z.string()).describe('The deliveries queued') });
