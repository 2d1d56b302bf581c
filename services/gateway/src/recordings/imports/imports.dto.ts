import { z } from 'zod';
import { presetIdsSchema } from '../output-presets';

export const QUALITIES = ['best', '1080p', '720p', '480p'] as const;
export const FORMAT_PREFERENCES = ['mp4', 'mp3', 'audio', 'any'] as const;

const url = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(2048, 'must be at most 2048 characters')
  .describe('An http or https URL: a page a video platform serves, or a media file. Internal addresses are refused (`INGEST.URL_NOT_ALLOWED`).');
const quality = z
  .enum(QUALITIES, { errorMap: () => ({ message: `must be one of ${QUALITIES.join(', ')}` }) })
  .default('best')
  .describe('Highest video resolution to fetch.');
const formatPreference = z
  .enum(FORMAT_PREFERENCES, { errorMap: () => ({ message: `must be one of ${FORMAT_PREFERENCES.join(', ')}` }) })
  .default('mp4')
  .describe('`mp4` (video, MP4 parts first), `mp3` (audio converted to MP3), `audio` (best audio as offered), `any` (best video and audio in any container).');
const templateId = z.string().uuid('must be a UUID').optional().describe('A template to bind to the new recordings.');
const autoRun = z.boolean().default(true).describe('Start the download (and the pipeline after it) at once; otherwise the recording waits for `POST /run`.');

export const addUrlSchema = z
  .object({
    url,
    displayName: z.string().trim().min(1).max(500, 'must be at most 500 characters').optional().describe('Title; the source’s own title when left out.'),
    quality,
    formatPreference,
    templateId,
    autoRun,
    presetIds: presetIdsSchema,
  })
  .strict();
export type AddUrlDto = z.output<typeof addUrlSchema>;

export const addPlaylistSchema = z
  .object({
    url,
    quality,
    formatPreference,
    templateId,
    autoRun,
    presetIds: presetIdsSchema,
    limit: z.number().int().min(1).max(200).default(200).describe('At most this many entries (the first ones) are added.'),
  })
  .strict();
export type AddPlaylistDto = z.output<typeof addPlaylistSchema>;

export const formatsPreviewSchema = z.object({ url }).strict();

export const playlistResultSchema = z.object({
  title: z.string().nullable(),
  total: z.number().int().describe('Entries the playlist has.'),
  entries: z.array(
    z.object({
      sourceKey: z.string().describe('`platform:video_id`, stable across listings.'),
      recordingId: z.string().uuid(),
      title: z.string().nullable(),
      outcome: z.enum(['created', 'existing']).describe('`existing`: the recording was there already and was left as it is.'),
    }),
  ),
});

export const formatsPreviewResultSchema = z.object({
  title: z.string().nullable(),
  sourceKey: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  heights: z.array(z.number().int()).describe('Video heights offered, highest first.'),
  formats: z.array(
    z.object({
      formatId: z.string(),
      ext: z.string().nullable(),
      height: z.number().int().nullable(),
      hasVideo: z.boolean(),
      hasAudio: z.boolean(),
      sizeBytes: z.number().nullable(),
      note: z.string().nullable(),
    }),
  ),
});
