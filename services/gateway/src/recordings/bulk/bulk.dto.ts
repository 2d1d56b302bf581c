import { z } from 'zod';
import { LeapError } from '@leap/messaging';
import { RecordingStatus } from '@leap/contracts';
import { registerProblemTitles } from '../../common/problem-details';
import { sortParam } from '../../common/pagination';
import { RECORDING_SORT_FIELDS, shortName } from '../recordings.dto';
import { uploadPlatformSchema } from '../../publishing/uploads.dto';
import { runOverridesFields } from '../control/run.api-doc';

/** The most recordings one bulk call touches (as the reference), and how many a filter takes unless `limit` says. */
export const MAX_BULK_ITEMS = 200;
export const DEFAULT_BULK_LIMIT = 50;

registerProblemTitles({ 'BULK.LIMIT_EXCEEDED': 'Too many recordings for one bulk call' });

const STATUSES = Object.values(RecordingStatus)
  .map((s) => shortName(s, 'RECORDING_STATUS_'))
  .filter((s): s is string => s !== null) as [string, ...string[]];

/** The selection every bulk operation takes: some ids, or the list's filters (with a limit). */
const selection = {
  ids: z
    .array(z.string().uuid())
    .min(1)
    .optional()
    .describe(`These recordings (1 to ${MAX_BULK_ITEMS}); an id the caller does not have is a \`not_found\` item.`),
  filters: z
    .object({
      status: z.array(z.enum(STATUSES)).min(1).optional().describe('Any of these statuses, as `GET /recordings?status=`.'),
      sort: sortParam(RECORDING_SORT_FIELDS, '-createdAt'),
    })
    .strict()
    .optional()
    .describe('The filters of `GET /api/v1/recordings`: the first `limit` live recordings they select, in their `sort` order.'),
  limit: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(`With \`filters\`: at most this many recordings (1 to ${MAX_BULK_ITEMS}, default ${DEFAULT_BULK_LIMIT}).`),
  dryRun: z.boolean().default(false).describe('Answer the plan (what would happen to each recording) and change nothing.'),
};

/** A bulk body: the selection, and the parameters of the operation's single route (the same for every recording). */
export function bulkBodyOf<P extends z.ZodRawShape>(params: P) {
  return z
    .object({ ...selection, ...params })
    .strict()
    .refine((b) => Boolean(b.ids) !== Boolean(b.filters), { message: 'give ids or filters (one of them)', path: ['filters'] })
    .refine((b) => !(b.ids && b.limit !== undefined), { message: 'limit goes with filters', path: ['limit'] });
}

export const bulkBody = bulkBodyOf({});

/** `/bulk/upload`: the platforms (one new target each) and the single route's preset and time zone. */
export const bulkUploadParams = {
  platforms: z
    .array(uploadPlatformSchema)
    .min(1)
    .refine((p) => new Set(p).size === p.length, 'each platform once')
    .describe('A new target on each of these platforms: `youtube`, `vk_video`, `yandex_disk`, `local`.'),
  presetId: z.string().uuid('must be a UUID').optional().describe('The preset (platform settings, templates, credential); required but for local.'),
  timeZone: z.string().max(64).optional().describe('IANA time zone the metadata dates are shown in (default UTC).'),
};
export type BulkBody = z.output<typeof bulkBody>;

/** A bulk run also takes the run's own config, given to every recording as `POST /recordings/{id}/run` takes it. */
export const bulkRunBody = bulkBodyOf(runOverridesFields).refine((b) => !b.bindTemplate || b.templateId !== undefined, {
  message: 'needs templateId',
  path: ['bindTemplate'],
});

/** 422 beyond the per-call limits, saying the limit: the client splits its call, nothing was done. */
export function checkLimits(body: BulkBody): void {
  if (body.ids && new Set(body.ids).size > MAX_BULK_ITEMS) {
    throw new LeapError('BULK.LIMIT_EXCEEDED', `At most ${MAX_BULK_ITEMS} ids per call (${new Set(body.ids).size} given)`, {
      status: 422,
      details: { max: MAX_BULK_ITEMS, given: new Set(body.ids).size },
    });
  }
  if (body.limit !== undefined && body.limit > MAX_BULK_ITEMS) {
    throw new LeapError('BULK.LIMIT_EXCEEDED', `limit is at most ${MAX_BULK_ITEMS} (${body.limit} given)`, {
      status: 422,
      details: { max: MAX_BULK_ITEMS, given: body.limit },
    });
  }
}

/** What one bulk call did (or, in a dry run, would do) to one recording. */
export interface BulkItem {
  id: string;
  /** `accepted` (done, or would be), `refused` (with the code its single route would answer) or `not_found`. */
  outcome: 'accepted' | 'refused' | 'not_found';
  code?: string;
  message?: string;
  /** The status after the operation (accepted) or as it stands (refused). */
  status?: string;
  /** The stages started (run, re-runs, uploads) or sent back to PENDING (pause). */
  stages?: string[];
}

const itemSchema = z.object({
  id: z.string().uuid(),
  outcome: z.enum(['accepted', 'refused', 'not_found']),
  code: z.string().optional().describe('Why it was refused or not found, e.g. `INGEST.ALREADY_RUNNING`, `RECORDING.NOT_FOUND`.'),
  message: z.string().optional(),
  status: z.string().optional().describe('The status after the operation (accepted; in a dry run, the status it would have) or as it stands (refused).'),
  stages: z.array(z.string()).optional().describe('The stages started (run, re-runs) or sent back to PENDING (pause), e.g. `TRIM`, `UPLOAD:<target>`; for an upload, `UPLOAD:<platform>` per platform.'),
});

export const bulkAnswerSchema = z.object({
  operation: z.string(),
  dryRun: z.boolean(),
  matched: z.number().int().describe('With `filters`: how many live recordings the filters select (the items are the first `limit`); with `ids`: how many ids.'),
  summary: z.object({ accepted: z.number().int(), refused: z.number().int(), notFound: z.number().int() }),
  items: z.array(itemSchema).describe('One per recording, in the order selected.'),
});

export function bulkAnswer(operation: string, dryRun: boolean, matched: number, items: BulkItem[]) {
  return {
    operation,
    dryRun,
    matched,
    summary: {
      accepted: items.filter((i) => i.outcome === 'accepted').length,
      refused: items.filter((i) => i.outcome === 'refused').length,
      notFound: items.filter((i) => i.outcome === 'not_found').length,
    },
    items,
  };
}
