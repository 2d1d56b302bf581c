import { z } from 'zod';

export const UPLOAD_PLATFORMS = ['youtube', 'vk_video', 'yandex_disk', 'local'] as const;

export const uploadPlatformSchema = z.enum(UPLOAD_PLATFORMS, { errorMap: () => ({ message: `must be one of ${UPLOAD_PLATFORMS.join(', ')}` }) });
export type UploadPlatform = (typeof UPLOAD_PLATFORMS)[number];

export const startUploadSchema = z
  .object({
    presetId: z.string().uuid('must be a UUID').optional().describe('The preset (platform settings, templates, credential); required but for local'),
    timeZone: z.string().max(64).optional().describe('IANA time zone the metadata dates are shown in (default UTC)'),
  })
  .strict();

export const targetViewSchema = z.object({
  id: z.string().uuid(),
  recordingId: z.string().uuid(),
  platform: uploadPlatformSchema,
  presetId: z.string().uuid().nullable(),
  status: z.enum(['QUEUED', 'UPLOADING', 'PUBLISHED', 'FAILED', 'RETRACTING', 'RETRACTED']),
  attempts: z.number().int().describe('Publish attempts that reached an outcome'),
  resultUrl: z.string().nullable().describe('The published video or file'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
  publishedAt: z.string().datetime().nullable(),
  retractedAt: z.string().datetime().nullable().describe('When the published item was removed from its platform'),
});
export type TargetView = z.infer<typeof targetViewSchema>;

export const targetListSchema = z.object({ items: z.array(targetViewSchema) });
