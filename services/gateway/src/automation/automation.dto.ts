import { z } from 'zod';
import { booleanFilter, listQuery, pageSchema, sortParam } from '../common/pagination';

/**
 * Automation jobs as the API shows them (camelCase, the reference's names). The gateway checks
 * the shape; ingest checks the content (name length, the schedule, the sources and template
 * named, the plan's limits) and answers 422 / 409 with an `AUTOMATION.*` code.
 */

export const SCHEDULE_TYPES = ['time_of_day', 'hours', 'weekdays', 'cron'] as const;

export const scheduleSchema = z
  .object({
    type: z
      .enum([...SCHEDULE_TYPES, 'timeOfDay'], { errorMap: () => ({ message: 'must be time_of_day (or timeOfDay), hours, weekdays or cron' }) })
      .transform((t) => (t === 'timeOfDay' ? 'time_of_day' : t))
      .describe('time_of_day (timeOfDay is taken as well), hours, weekdays or cron'),
    time: z.string().max(5, 'must be HH:MM').optional().describe('HH:MM, for time_of_day and weekdays'),
    hours: z.number().optional().describe('1–24, for hours: every N hours on the hour'),
    days: z.array(z.number()).max(7, 'must list at most 7 days').optional().describe('0 = Monday … 6 = Sunday, for weekdays'),
    expression: z.string().max(200, 'must be at most 200 characters').optional().describe('5 fields, or 6 with seconds, for cron'),
    timezone: z.string().max(64, 'must be at most 64 characters').optional().describe('An IANA time zone; default Europe/Moscow'),
  })
  .strict()
  .describe('When the job fires');

const sourcesSchema = z
  .object({
    ids: z.array(z.string().uuid('must be a source id')).max(50, 'must list at most 50 sources').optional().describe('These sources'),
    platforms: z.array(z.string().max(20)).max(10).optional().describe('Every active source of these platforms: ZOOM, YANDEX_DISK, VIDEO_URL'),
  })
  .strict()
  .describe('What a run syncs; with neither, every active source (LOCAL ones never)');

const fields = {
  name: z.string().max(255, 'must be at most 255 characters').describe('3–255 characters, unique among your jobs'),
  description: z.string().max(2000, 'must be at most 2000 characters'),
  sources: sourcesSchema,
  templateId: z.string().uuid('must be a template id').nullable().describe('The template new recordings are bound to; null: they are matched against your templates'),
  autoRun: z.boolean().describe('New recordings start their pipeline at once'),
  syncDays: z.number().describe('Each run syncs this many days back (1–30, default 2)'),
  schedule: scheduleSchema,
  isActive: z.boolean().describe('Only an active job fires on its schedule (default true)'),
  processingConfig: z
    .record(z.unknown())
    .nullable()
    .describe(
      "A template's processingConfig shape (trimming, transcription…), given to the recordings the job's syncs bring in or start as their manual override, " +
        'the top config layer; null clears it. Checked like a template\'s (422 AUTOMATION.INVALID naming each field)',
    ),
};

export const createJobSchema = z.object(fields).partial().required({ name: true, schedule: true }).strict();
export const updateJobSchema = z.object(fields).partial().strict();

export const runJobQuerySchema = z.object({ dryRun: booleanFilter().describe('Count what a run would do; change nothing') }).strict();
export const runJobBodySchema = z.object({ dryRun: z.boolean().optional().describe('The same as the query parameter') }).strict();

export const JOB_SORT_FIELDS = ['name', 'createdAt', 'nextRunAt', 'lastRunAt'] as const;

export const listJobsQuerySchema = listQuery({
  search: z.string().max(200, 'must be at most 200 characters').optional().describe('Text in the name or description (case-insensitive)'),
  isActive: booleanFilter().describe('Only active (true) or inactive (false) jobs'),
  sort: sortParam(JOB_SORT_FIELDS, '-createdAt'),
});

export const listRunsQuerySchema = listQuery({});

const stored = z
  .object({
    type: z.enum(SCHEDULE_TYPES),
    time: z.string().optional(),
    hours: z.number().int().optional(),
    days: z.array(z.number().int()).optional(),
    expression: z.string().optional(),
    timezone: z.string(),
  })
  .describe('The schedule as stored (the time zone filled in)');

export const jobViewSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  sources: z.object({ ids: z.array(z.string().uuid()), platforms: z.array(z.string()) }),
  templateId: z.string().uuid().nullable(),
  autoRun: z.boolean(),
  syncDays: z.number().int(),
  schedule: stored,
  isActive: z.boolean(),
  nextRunAt: z.string().datetime().nullable().describe('The next fire, in UTC'),
  lastRunAt: z.string().datetime().nullable(),
  runCount: z.number().int(),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
  processingConfig: z.record(z.unknown()).describe('The manual override its recordings get; {}: none'),
});
export type JobView = z.infer<typeof jobViewSchema>;
export const jobPageSchema = pageSchema(jobViewSchema);

export const runViewSchema = z.object({
  id: z.string().uuid(),
  jobId: z.string().uuid(),
  trigger: z.enum(['SCHEDULE', 'MANUAL']),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED']).describe('RUNNING while a sync is queued or running; PARTIAL when some syncs failed'),
  dueAt: z.string().datetime().nullable().describe('The due time a scheduled run fired for'),
  startedAt: z.string().datetime(),
  finishedAt: z.string().datetime().nullable(),
  sources: z.number().int().describe('Syncs queued'),
  synced: z.number().int().describe('Syncs that succeeded'),
  failed: z.number().int().describe('Syncs that failed'),
  found: z.number().int().describe('Items the sources listed'),
  new: z.number().int().describe('Recordings created'),
  updated: z.number().int().describe('Held recordings refreshed or released'),
  matched: z.number().int().describe('New recordings bound to a template'),
  started: z.number().int().describe('Recordings whose pipeline the run started'),
  skipped: z.number().int().describe('Items left alone (unchanged, deleted, finished, blank)'),
});
export type RunView = z.infer<typeof runViewSchema>;
export const runPageSchema = pageSchema(runViewSchema);

export const dryRunSchema = z.object({
  dryRun: z.literal(true),
  sources: z.number().int().describe('Sources a run would sync'),
  recordings: z.number().int().describe('Recordings of those sources waiting (INITIALIZED, not bound) within syncDays'),
  matched: z.number().int().describe('Of those, how many would be bound to a template'),
  started: z.number().int().describe('Of those, how many would start their pipeline'),
});
