import { MESSAGE_TYPES } from '@leap/contracts';
import { z } from 'zod';
import { valuesFilter } from '../common/pagination';

/** The worker services that run durable jobs, and the query each answers about them. */
export const JOB_SERVICES = {
  ingest: MESSAGE_TYPES.ingest.ListIngestJobs,
  'media-processing': MESSAGE_TYPES.media.ListMediaJobs,
  transcription: MESSAGE_TYPES.transcription.ListTranscriptionJobs,
  publishing: MESSAGE_TYPES.publishing.ListPublishingJobs,
} as const;
export type JobService = keyof typeof JOB_SERVICES;
const SERVICE_NAMES = Object.keys(JOB_SERVICES) as [JobService, ...JobService[]];

export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;

const lowerEnum = <const V extends readonly [string, ...string[]]>(values: V) =>
  z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { errorMap: () => ({ message: `must be one or more of ${values.join(', ')}` }) }));

export const listJobsQuerySchema = z.object({
  service: valuesFilter(lowerEnum(SERVICE_NAMES)).describe(`${SERVICE_NAMES.join(', ')} (comma-separated for several); every one when absent`),
  state: valuesFilter(lowerEnum(JOB_STATES)).describe(`${JOB_STATES.join(', ')} (comma-separated for several); every state when absent`),
  tenant: z.string().uuid('must be a user id').optional().describe('Only the jobs of this user'),
  recording: z.string().uuid('must be a recording id').optional().describe('Only the jobs about this recording'),
  limit: z.coerce
    .number()
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(1000, 'must be at most 1000')
    .default(100)
    .describe('At most this many jobs in all, newest first (1-1000, default 100)'),
});
export type ListJobsQuery = z.output<typeof listJobsQuerySchema>;

const countsSchema = z
  .object({ queued: z.number().int(), running: z.number().int(), completed: z.number().int(), failed: z.number().int(), cancelled: z.number().int() })
  .describe('Jobs per state under the tenant and recording filters (the state filter aside)');

const timestamp = z.string().datetime();

export const jobViewSchema = z.object({
  service: z.enum(SERVICE_NAMES),
  id: z.string(),
  kind: z.string().describe('`<area>.<job>`, e.g. `media.trim`'),
  tenant: z.string().optional().describe('The owning user'),
  subject: z.string().optional().describe('The recording the job is about'),
  state: z.enum(JOB_STATES),
  attempts: z.number().int().optional().describe('Claims so far; retries and lost workers count'),
  maxAttempts: z.number().int().optional(),
  progress: z.number().optional().describe('Percent done at the last heartbeat (running jobs)'),
  step: z.string().optional().describe('What the job is doing, e.g. `detecting silence`'),
  errorCode: z.string().optional().describe('The last error (a failed job, or a queued one waiting to retry)'),
  errorMessage: z.string().optional(),
  leaseOwner: z.string().optional().describe('The replica running it: `<service>@<host>:<pid>`'),
  leaseUntil: timestamp.optional(),
  createdAt: timestamp,
  startedAt: timestamp.optional(),
  finishedAt: timestamp.optional(),
  runAt: timestamp.optional().describe('When a queued job becomes due (later than now while it waits to retry)'),
  cancelReason: z.string().optional().describe('Why it was cancelled (paused, deleted)'),
  commandType: z.string().optional().describe('The message type of the command it runs'),
});

export const jobsOverviewSchema = z.object({
  services: z
    .record(
      z.enum(SERVICE_NAMES),
      z.union([
        z.object({ reachable: z.literal(true), counts: countsSchema }),
        z.object({ reachable: z.literal(false), error: z.object({ code: z.string(), message: z.string() }) }),
      ]),
    )
    .describe('Each service asked: its counts, or why it could not be asked (it did not answer within JOBS_REQUEST_TIMEOUT)'),
  counts: countsSchema.describe('The counts of the services that answered, added up'),
  jobs: z.array(jobViewSchema).describe('The jobs of every service that answered, newest first, at most `limit`'),
});
