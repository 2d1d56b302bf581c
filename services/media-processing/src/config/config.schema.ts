import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Media processing: ffprobe, silence detection and trimming, audio extraction, posters. */
export const mediaProcessingConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3002),
  FFMPEG_PATH: field.string().optional(),
  FFPROBE_PATH: field.string().optional(),
  TRIM_SILENCE_THRESHOLD_DB: field.number({ min: -120, max: 0 }).default(-40),
  TRIM_MIN_SILENCE_SECONDS: field.number({ min: 0.1 }).default(2),
  TRIM_PADDING_SECONDS: field.number({ min: 0 }).default(5),
  /** Scratch folders of jobs older than this are removed whatever their process (a killed job's never are otherwise). */
  WORK_DIR_MAX_AGE: field.duration({ min: 60_000 }).default('24h'),
  /** Trims one replica runs at once; each decodes a whole recording on a core. */
  MEDIA_CONCURRENCY: field.int({ min: 1, max: 256 }).default(availableParallelism()),
});

export type MediaProcessingConfig = z.output<typeof mediaProcessingConfigSchema>;
