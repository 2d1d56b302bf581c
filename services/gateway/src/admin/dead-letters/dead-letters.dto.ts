import { z } from 'zod';
import type { ParkedSelection } from '@leap/messaging';

const source = z.enum(['error', 'dlq']);
const timestamp = z.string();

export const queueViewSchema = z.object({
  queue: z.string().describe('`<consumer>.<purpose>`, e.g. `media.trim`'),
  depth: z.number().int().describe('Messages waiting for the consumer'),
  error: z.number().int().describe('Messages in the parking lot `<queue>.error` (the handler kept failing or refused them)'),
  dlq: z.number().int().describe('Messages in `<queue>.dlq` (delivered past the delivery limit: the consumer crashed or hung)'),
});

export const queuesOverviewSchema = z.object({
  transport: z.enum(['amqp', 'postgres']),
  queues: z.array(queueViewSchema),
  parked: z.number().int().describe('Messages in every `.error` and `.dlq`, added up'),
});

const faultSchema = z.object({
  code: z.string().describe('The stable error code, or `MESSAGING.DELIVERY_LIMIT` for a dead letter'),
  type: z.string().optional().describe('The error class'),
  message: z.string(),
  consumer: z.string().optional().describe('The handler that failed (`Class.method`)'),
  retryCount: z.number().int().optional().describe('Retry tiers it went through'),
  failedAt: timestamp,
});

export const parkedSummarySchema = z.object({
  id: z.string().describe('`<parking queue>:<message id>`, e.g. `media.trim.error:0195…`'),
  queue: z.string(),
  source,
  messageId: z.string(),
  type: z.string(),
  subject: z.string().optional(),
  tenant: z.string().optional(),
  fault: faultSchema,
  group: z.string().describe('Messages of one queue, type and fault share it'),
  replayCount: z.number().int().describe('Times operators replayed it before'),
});

export const parkedListSchema = z.object({ messages: z.array(parkedSummarySchema) });

export const parkedDetailSchema = parkedSummarySchema.extend({
  fault: faultSchema.extend({ stack: z.string().optional(), originalExchange: z.string().optional(), originalRoutingKey: z.string().optional() }),
  headers: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])),
  contentType: z.string(),
  payload: z.unknown().describe('The body: JSON when it is JSON, else text'),
});

export const parkedGroupSchema = z.object({
  group: z.string(),
  queue: z.string(),
  source,
  type: z.string(),
  code: z.string(),
  sample: z.string().describe('The fault message of one of them'),
  fingerprint: z.string().describe('The fault message with ids, numbers and quoted values taken out'),
  count: z.number().int(),
  firstSeen: timestamp,
  lastSeen: timestamp,
  messageIds: z.array(z.string()),
});

export const parkedGroupsSchema = z.object({ groups: z.array(parkedGroupSchema) });

export const listParkedQuerySchema = z
  .object({ queue: z.string().min(1).max(200).optional().describe('Only this queue (`media.trim`); every queue when absent') })
  .strict();

const selectionFields = {
  ids: z.array(z.string().min(1).max(300)).min(1).max(1000).optional().describe('Parked message ids (`media.trim.error:0195…`)'),
  group: z.string().regex(/^[0-9a-f]{12}$/, 'must be a group id').optional().describe('A group id'),
  queue: z.string().min(1).max(200).optional().describe('Everything parked for this queue'),
  source: source.optional().describe('With `queue`: only `.error` or only `.dlq` (both when absent)'),
  all: z.literal(true).optional().describe('Everything parked on the broker'),
};

function toSelection(body: { ids?: string[]; group?: string; queue?: string; source?: 'error' | 'dlq'; all?: true }, ctx: z.RefinementCtx): ParkedSelection {
  const chosen = (['ids', 'group', 'queue', 'all'] as const).filter((key) => body[key] !== undefined);
  if (chosen.length !== 1) {
    ctx.addIssue({ code: 'custom', message: 'name exactly one of ids, group, queue or all' });
    return z.NEVER;
  }
  if (body.source && !body.queue) {
    ctx.addIssue({ code: 'custom', path: ['source'], message: 'only goes with queue' });
    return z.NEVER;
  }
  if (body.ids) return { ids: body.ids };
  if (body.group) return { group: body.group };
  if (body.queue) return { queue: body.queue, ...(body.source ? { source: body.source } : {}) };
  return { all: true };
}

export const replaySchema = z
  .object(selectionFields)
  .strict()
  .transform((body, ctx) => toSelection(body, ctx));

export const purgeSchema = z
  .object({ ...selectionFields, confirm: z.string().max(200).optional().describe('The token a first call without it answered (409 PARKED.CONFIRMATION_REQUIRED)') })
  .strict()
  .transform((body, ctx) => ({ selection: toSelection(body, ctx), confirm: body.confirm }));

const outcomeSchema = z.object({ queue: z.string(), source, count: z.number().int() });

export const replayResultSchema = z.object({
  replayed: z.number().int().describe('Messages sent back to their queue'),
  queues: z.array(outcomeSchema),
});

export const purgeResultSchema = z.object({
  purged: z.number().int().describe('Messages dropped for good'),
  queues: z.array(outcomeSchema),
});
