import { z } from 'zod';
import { baseConfigSchema, field, secret } from '@leap/config';
import { isAllowedHostsList } from '@leap/outbound';

/** Speech recognisers the transcription service can use, as TRANSCRIPTION_PROVIDERS names them. */
export const TRANSCRIPTION_PROVIDER_NAMES = ['offline', 'openai', 'assemblyai'] as const;
export type TranscriptionProviderName = (typeof TRANSCRIPTION_PROVIDER_NAMES)[number];

/** Transcription: ASR, topics, subtitles. */
export const transcriptionConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3003),
  /** The recognisers in failover order: the next takes the remaining chunks when one fails past its retries. */
  TRANSCRIPTION_PROVIDERS: field
    .list({ item: (v) => ((TRANSCRIPTION_PROVIDER_NAMES as readonly string[]).includes(v) ? undefined : `is not one of ${TRANSCRIPTION_PROVIDER_NAMES.join(', ')}`) })
    .default('offline'),
  OPENAI_TRANSCRIPTION_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://api.openai.com/v1'),
  OPENAI_TRANSCRIPTION_API_KEY: secret(field.string()).optional(),
  OPENAI_TRANSCRIPTION_MODEL: field.string().default('whisper-1'),
  ASSEMBLYAI_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://api.assemblyai.com'),
  ASSEMBLYAI_API_KEY: secret(field.string()).optional(),
  /** Keys that seal tenants' own provider keys at rest: `id:key,...` (32-byte keys in base64 or hex), the first seals. Without it tenants cannot add keys. */
  TRANSCRIPTION_CREDENTIALS_KEYRING: secret(field.string()).optional(),
  /** Keys the gateway seals tenants' provider keys with on their way here (the gateway's value). */
  CREDENTIALS_TRANSIT_KEYRING: secret(field.string()).optional(),
  /**
   * Let AssemblyAI fetch a recording's media by a signed storage URL instead of uploading it, when
   * the store signs URLs (S3) and the media goes as one chunk. The store must be reachable from
   * AssemblyAI (its public endpoint, S3_PUBLIC_ENDPOINT).
   */
  ASSEMBLYAI_MEDIA_URL: field.boolean().default(false),
  /** Between two polls of an AssemblyAI transcript. */
  ASSEMBLYAI_POLL_INTERVAL: field.duration({ min: 1 }).default('3s'),
  /** Longest one request to a transcription API may take (an upload of a chunk and its answer). */
  TRANSCRIPTION_REQUEST_TIMEOUT: field.duration({ min: 1000 }).default('10m'),
  /** Caps every provider's chunk length, seconds; the providers' own limits apply when unset. */
  TRANSCRIPTION_MAX_CHUNK_SECONDS: field.int({ min: 10 }).optional(),
  /** Chunks of one recording transcribed at once. */
  TRANSCRIPTION_CHUNK_CONCURRENCY: field.int({ min: 1, max: 64 }).default(4),
  /** Tries of one chunk at one provider before the next provider takes over. */
  TRANSCRIPTION_PROVIDER_ATTEMPTS: field.int({ min: 1, max: 20 }).default(3),
  /** Wait before trying a chunk again, doubled each time (a 429's Retry-After wins). */
  TRANSCRIPTION_RETRY_BACKOFF: field.duration({ min: 1 }).default('2s'),
  POCKETSPHINX_PATH: field.string().optional(),
  POCKETSPHINX_MODEL_DIR: field.string().default('/usr/share/pocketsphinx/model/en-us'),
  FFMPEG_PATH: field.string().optional(),
  TRANSCRIPTION_TIMEOUT: field.duration({ min: 1000 }).default('1h'),
  /**
   * Check every transcription against the plan's monthly transcriptions (quota's CheckUsage)
   * before a provider is called. Off only where no quota service runs.
   */
  TRANSCRIPTION_QUOTA_CHECK: field.boolean().default(true),
  /** How long the quota check may wait for quota's answer; past it the transcription is tried again later. */
  QUOTA_REQUEST_TIMEOUT: field.duration({ min: 100 }).default('5s'),
  /** Scratch folders of jobs older than this are removed whatever their process (a killed job's never are otherwise). */
  WORK_DIR_MAX_AGE: field.duration({ min: 60_000 }).default('24h'),
  /** Transcriptions one replica runs at once (the offline recogniser takes a core each). */
  TRANSCRIPTION_CONCURRENCY: field.int({ min: 1, max: 256 }).default(1),
  /** Topic and subtitle jobs (short, text only) one replica runs at once, per kind. */
  TRANSCRIPTION_TEXT_CONCURRENCY: field.int({ min: 1, max: 256 }).default(4),
  /** An OpenAI-compatible chat API for topics (DeepSeek by default); topics are extractive, offline, without a key. */
  LLM_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://api.deepseek.com'),
  LLM_API_KEY: secret(field.string()).optional(),
  LLM_MODEL: field.string().default('deepseek-chat'),
  /** Longest one chat request may take. */
  LLM_TIMEOUT: field.duration({ min: 1000 }).default('120s'),
  /** Internal hosts, addresses or CIDRs a tenant's own chat API base URL may point at (public addresses only otherwise). */
  OUTBOUND_ALLOWED_HOSTS: field.string().refine(isAllowedHostsList, 'expected comma-separated host names, IP addresses or CIDRs').optional(),
});

export type TranscriptionConfig = z.output<typeof transcriptionConfigSchema>;
