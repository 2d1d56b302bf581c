import { z } from 'zod';
import { booleanFilter, listQuery, pageSchema, valuesFilter } from '../common/pagination';

export const PLATFORMS = ['youtube', 'vk_video', 'yandex_disk', 'local'] as const;
const platform = z.enum(PLATFORMS, { errorMap: () => ({ message: `must be one of ${PLATFORMS.join(', ')}` }) });

const metadata = z
  .record(z.unknown())
  .describe(
    'Platform settings, checked by the platform (422 PRESET.INVALID): every platform takes titleTemplate, descriptionTemplate, ' +
      'topicsDisplay, questionsDisplay, tags and thumbnailName; youtube adds privacy, publishAt, playlistId, categoryId, defaultLanguage, ' +
      'madeForKids, embeddable, license, notifySubscribers, uploadCaptions; vk_video adds groupId, albumId, privacyView, privacyComment, ' +
      'wallpost, disableComments, repeat, compression; yandex_disk adds folderPathTemplate, filenameTemplate, overwrite, publish. See docs/publishing.md',
  );

const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');
const description = z.string().max(2000, 'must be at most 2000 characters');
const uuid = z.string().uuid('must be a UUID');

export const createPresetSchema = z
  .object({
    name,
    description: description.optional(),
    platform,
    credentialId: uuid.nullable().optional().describe('The platform account to publish with (one of your credentials for that platform)'),
    metadata: metadata.optional(),
    isActive: z.boolean().optional(),
  })
  .strict();
export type CreatePresetDto = z.output<typeof createPresetSchema>;

export const updatePresetSchema = z
  .object({
    name: name.optional(),
    description: description.optional(),
    credentialId: uuid.nullable().optional().describe('null removes the credential'),
    metadata: metadata.optional().describe('Replaces the metadata as a whole'),
    isActive: z.boolean().optional(),
  })
  .strict();
export type UpdatePresetDto = z.output<typeof updatePresetSchema>;

export const copyPresetSchema = z.object({ name: name.optional().describe('Default: "<name> (copy)"') }).strict();

export const bulkDeletePresetsSchema = z
  .object({ ids: z.array(z.string().min(1).max(100)).min(1, 'must name at least one preset').max(100, 'must name at most 100 presets') })
  .strict();

export const renderPreviewSchema = z
  .object({
    presetId: uuid.optional().describe('Render this saved preset; else give platform and metadata'),
    platform: platform.optional(),
    metadata: metadata.optional(),
    variables: z
      .record(z.unknown())
      .optional()
      .describe('Values in place of the sample recording: display_name, summary, themes (list), topics and questions (lists of text or {text, start}), duration (s), recorded_at, published_at'),
    timeZone: z.string().max(64).optional().describe('IANA time zone the dates are shown in (default UTC)'),
  })
  .strict()
  .refine((b) => b.presetId !== undefined || b.platform !== undefined, { message: 'give presetId, or platform and metadata', path: ['platform'] });

export const listPresetsQuerySchema = listQuery({
  platform: valuesFilter(platform).describe(`${PLATFORMS.join(', ')} (comma-separated for several)`),
  search: z.string().max(200).optional().describe('Text in the name or description'),
  isActive: booleanFilter(),
});

export const presetViewSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  platform: platform,
  credentialId: z.string().uuid().nullable(),
  metadata: z.record(z.unknown()).describe('The settings with their defaults filled in'),
  isActive: z.boolean(),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
});
export type PresetView = z.infer<typeof presetViewSchema>;

export const presetPageSchema = pageSchema(presetViewSchema);

export const bulkDeleteResultSchema = z.object({ deleted: z.array(z.string()), notFound: z.array(z.string()) });

export const previewSchema = z.object({
  title: z.string(),
  description: z.string(),
  folderPath: z.string().optional().describe('yandex_disk: the rendered folder'),
  filename: z.string().optional().describe('yandex_disk: the rendered file name, without extension'),
  titleTruncated: z.boolean().describe("The platform's title limit cut the title (YouTube 100, VK 128 characters)"),
  descriptionTruncated: z.boolean(),
});
