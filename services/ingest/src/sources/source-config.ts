import { z } from 'zod';
import { LeapError } from '@leap/errors';

export const SOURCE_PLATFORMS = ['ZOOM', 'YANDEX_DISK', 'VIDEO_URL', 'LOCAL'] as const;
export type SourcePlatform = (typeof SOURCE_PLATFORMS)[number];

/** The credential platform each source platform lists with (none: it needs no credential). */
export const CREDENTIAL_PLATFORM_OF: Record<SourcePlatform, string | null> = { ZOOM: 'zoom', YANDEX_DISK: 'yandex_disk', VIDEO_URL: null, LOCAL: null };

const autoRun = z.boolean().optional();

const zoomConfig = z
  .object({
    /** The Zoom user whose recordings are listed (`me` by default). */
    userId: z.string().min(1).max(200).optional(),
    /** A master account: recordings listed for each of these users. */
    isMasterAccount: z.boolean().optional(),
    userEmails: z.array(z.string().email()).max(200).optional(),
    includeTrash: z.boolean().optional(),
    recordingType: z.enum(['cloud', 'all']).optional(),
    autoRun,
  })
  .strict();

const yandexConfig = z
  .object({
    folderPath: z.string().min(1).max(1000).optional(),
    publicUrl: z.string().url().max(2048).optional(),
    recursive: z.boolean().optional(),
    filePattern: z
      .string()
      .max(500)
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'must be a regular expression')
      .optional(),
    autoRun,
  })
  .strict()
  .refine((c) => Boolean(c.folderPath) !== Boolean(c.publicUrl), 'give either folderPath (with a credential) or publicUrl');

const videoUrlConfig = z
  .object({
    url: z
      .string()
      .url()
      .max(2048)
      .refine((u) => /^https?:/i.test(u), 'must be an http or https URL'),
    quality: z.enum(['best', '1080p', '720p', '480p']).optional(),
    formatPreference: z.enum(['mp4', 'mp3', 'audio', 'any']).optional(),
    /** At most this many entries per sync (the first ones; default 200). */
    limit: z.number().int().min(1).max(200).optional(),
    autoRun,
  })
  .strict();

const localConfig = z.object({}).strict();

const SCHEMAS: Record<SourcePlatform, z.ZodTypeAny> = { ZOOM: zoomConfig, YANDEX_DISK: yandexConfig, VIDEO_URL: videoUrlConfig, LOCAL: localConfig };

/** The source's config checked against its platform; 422 SOURCE.INVALID naming the field. */
export function parseSourceConfig(platform: string, config: unknown): Record<string, unknown> {
  if (!(SOURCE_PLATFORMS as readonly string[]).includes(platform)) throw invalid(`platform must be one of ${SOURCE_PLATFORMS.join(', ')}`);
  const parsed = SCHEMAS[platform as SourcePlatform].safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
    throw invalid(`${['config', ...issue.path].join('.')}: ${message}`);
  }
  return parsed.data as Record<string, unknown>;
}

/** Whether the source needs a credential with this config (a public Yandex link does not). */
export function needsCredential(platform: SourcePlatform, config: Record<string, unknown>): boolean {
  if (platform === 'ZOOM') return true;
  if (platform === 'YANDEX_DISK') return !config.publicUrl;
  return false;
}

export function invalid(message: string): LeapError {
  return new LeapError('SOURCE.INVALID', message, { status: 422, retryable: false });
}
