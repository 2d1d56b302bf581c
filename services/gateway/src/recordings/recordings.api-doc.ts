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
  status: z.enum(['DELETING', ...STATUSES]).describe('Where the recording is in its pipeline; `DELETING` once deletion was asked for.'),
  failed: z.boolean(),
  failedStage: z.string().nullable(),
  failureReason: z.string().nullable(),
  originalFilename: z.string().nullable(),
  sourceType: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  contentType: z.string().nullable(),
  createdAt: timestamp.nullable(),
  updatedAt: timestamp.nullable(),
  links: z
    .object({ self: z.string() })
    .catchall(z.string())
    .describe(`\`self\`, and one link per downloadable artifact that is ready (${Object.keys(DOWNLOADS).join(', ')}).`),
});

export const recordingDetailSchema = recordingSummarySchema.extend({
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

/** The multipart body of an upload. */
export const uploadBody: NonNullable<ApiDocOptions['rawBody']> = {
  contentType: 'multipart/form-data',
  description: 'The recording as a `file` part (mp4, mov, m4a, webm, mkv, mp3, wav), streamed to storage; an optional `title` part (else the file name).',
  schema: {
    type: 'object',
    required: ['file'],
    properties: {
      title: { type: 'string', maxLength: 300 },
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
