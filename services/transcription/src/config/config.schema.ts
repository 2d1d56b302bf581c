import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Speech recognisers the transcription service can use. */
export const TRANSCRIPTION_PROVIDERS = ['offline', 'openai-compatible', 'assemblyai'] as const;
export type TranscriptionProviderName = (typeof TRANSCRIPTION_PROVIDERS)[number];

/** Transcription: ASR, topics, subtitles. */
export const transcriptionConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3003),
  TRANSCRIPTION_PROVIDER: field.enum(TRANSCRIPTION_PROVIDERS).default('offline'),
  POCKETSPHINX_PATH: field.string().optional(),
  POCKETSPHINX_MODEL_DIR: field.string().default('/usr/share/pocketsphinx/model/en-us'),
  FFMPEG_PATH: field.string().optional(),
  TRANSCRIPTION_TIMEOUT: field.duration({ min: 1000 }).default('1h'),
  /** Scratch folders of jobs older than this are removed whatever their process (a killed job's never are otherwise). */
  WORK_DIR_MAX_AGE: field.duration({ min: 60_000 }).default('24h'),
});

export type TranscriptionConfig = z.output<typeof transcriptionConfigSchema>;
