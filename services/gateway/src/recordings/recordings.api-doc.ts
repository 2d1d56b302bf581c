import { z } from 'zod';
import { RecordingStatus } from '@leap/contracts';
import type { ApiDocOptions } from '../common/api-doc';
import { pageSchema } from '../common/pagination';
import { DOWNLOADS, shortName, type DownloadName } from './recordings.dto';

/** The shapes `recordingSummary` and `recordingDetail` answer with, for the OpenAPI document. */
const STATUSES = Object.values(RecordingStatus)
  .map((s) => shortName(s, 'RECORDING_STATUS_'))
  .filter((s): s is string => s !== null);

const timestamp = z.string().datetime();

export const recordingSummarySchema = z.object({
  id: z.string().uuid(),
  title: z.string().nullable(),
  status: z
    .enum(['DELETING', ...STATUSES])
    .describe('Where the recording is in its pipeline; `DELETING` from the delete until it is confirmed; `EXPIRED` once it expired.'),
  failed: z.boolean(),
  failedStage: z.string().nullable(),
  failureReason: z.string().nullable(),
  originalFilename: z.string().nullable(),
  sourceType: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  contentType: z.string().nullable(),
  createdAt: timestamp.nullable(),
  updatedAt: timestamp.nullable(),
  expiresAt: timestamp.nullable().describe('When the recording expires (is deleted with reason `EXPIRED`) unless deleted before; null once deleted.'),
  deletion: z
    .object({
      state: z.enum(['DELETED', 'PURGED']).describe('`DELETED`: restorable until `restorableUntil`; `PURGED`: its files are gone, it cannot be restored.'),
      reason: z.enum(['MANUAL', 'EXPIRED']),
      deletedAt: timestamp.nullable(),
      restorable: z.boolean(),
      restorableUntil: timestamp.nullable().describe('The end of the restore window; then its files are removed.'),
      hardDeleteAt: timestamp.nullable().describe('When its last trace goes and it is no longer found.'),
    })
    .nullable()
    .describe('Set once the recording is deleted (see `deleted=true` on the list).'),
  links: z
    .object({ self: z.string() })
    .catchall(z.string())
    .describe(
      `\`self\`, and one link per downloadable artifact that is ready (${Object.keys(DOWNLOADS).join(', ')}, and \`subtitles.<lang>.srt\`/\`.vtt\` per translated language).`,
    ),
});

export const recordingDetailSchema = recordingSummarySchema.extend({
  failedTarget: z
    .string()
    .nullable()
    .describe('When an upload failed the recording: the output target that failed (its stage `UPLOAD` with that `target` has the error code). The other targets go on.'),
  stages: z.array(
    z.object({
      stage: z.string(),
      target: z.string().optional(),
      status: z.string(),
      attempt: z.number().int(),
      startedAt: timestamp.nullable(),
      finishedAt: timestamp.nullable(),
      durationMs: z.number().nullable(),
      error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean().optional() }).nullable(),
      progress: z
        .number()
        .int()
        .min(0)
        .max(100)
        .nullable()
        .describe(
          'Percent done, from the running job\'s reports: only rises while the stage is IN_PROGRESS, 100 once COMPLETED, null before the first report and again when the stage goes back to PENDING (a pause) or starts another attempt. A FAILED stage keeps where it stopped.',
        ),
      step: z.string().nullable().describe('What the running job is doing, e.g. `detecting silence`; null when unknown, once COMPLETED, and after a pause.'),
    }),
  ),
  artifacts: z.array(z.object({ name: z.string(), sizeBytes: z.number().int(), contentType: z.string().nullable(), checksumSha256: z.string().nullable() })),
  publications: z.array(
    z.object({
      targetId: z.string(),
      platform: z.string(),
      url: z.string().optional(),
      location: z.string().optional(),
      externalId: z.string().optional(),
      publishedAt: z.string(),
    }),
  ),
});

export const recordingsPageSchema = pageSchema(recordingSummarySchema);

/** What a pause or a run answers (`pipelineAction`). */
export function pipelineActionSchema(stages: string) {
  return z.object({
    id: z.string().uuid(),
    status: z.enum(STATUSES as [string, ...string[]]).describe('The recording status right after the action, as ingest left it.'),
    paused: z.boolean().describe('Whether the recording is paused now: nothing of it starts until a run.'),
    stages: z.array(z.string()).describe(stages),
    links: z.object({ self: z.string() }),
  });
}

/** What a restore answers (`restoreAction`). */
export const restoreActionSchema = z.object({
  id: z.string().uuid(),
  status: z.enum(STATUSES as [string, ...string[]]).describe('The recording status, as it was before the delete.'),
  paused: z.boolean().describe('True when the delete cancelled work in progress: `POST /run` resumes it.'),
  expiresAt: timestamp.describe('Its new expiry, counted from the restore.'),
  links: z.object({ self: z.string() }),
});

/** The multipart body of an upload. */
export const uploadBody: NonNullable<ApiDocOptions['rawBody']> = {
  contentType: 'multipart/form-data',
  description:
    'The recording as a `file` part (mp4, mov, m4a, webm, mkv, mp3, wav), streamed to storage; an optional `title` part (else the file name); an optional ' +
    '`presetIds` part: output presets to publish with, comma-separated (or the part repeated), each one of your active presets.',
  schema: {
    type: 'object',
    required: ['file'],
    properties: {
      title: { type: 'string', maxLength: 300 },
      presetIds: { type: 'string', description: 'Comma-separated preset ids (UUIDs), at most 20.' },
      file: { type: 'string', contentMediaType: 'application/octet-stream' },
    },
  },
};

export const ID_PARAM = { id: 'The recording id.' };

/** The `@ApiDoc` of one artifact download. */
export function downloadDoc(name: DownloadName, what: string): ApiDocOptions {
  return {
    summary: `Download the ${what}`,
    description: `The \`${name}\` of the recording as an attachment, once the pipeline has produced it.`,
    params: ID_PARAM,
    responses: { 200: { description: `The ${what}.`, contentType: DOWNLOADS[name].contentType, headers: { 'Content-Disposition': 'attachment; filename="<title>.<ext>"' } } },
    problems: { 404: ['ARTIFACT.NOT_READY', 'RECORDING.NOT_FOUND'] },
  };
}
