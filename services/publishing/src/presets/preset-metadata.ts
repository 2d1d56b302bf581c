import { z } from 'zod';

/** Platform names as the API spells them. */
export const PRESET_PLATFORMS = ['youtube', 'vk_video', 'yandex_disk', 'local'] as const;
export type PresetPlatform = (typeof PRESET_PLATFORMS)[number];

export const DISPLAY_FORMATS = ['numbered_list', 'bullet_list', 'dash_list', 'comma_separated', 'inline', 'plain'] as const;
export type DisplayFormat = (typeof DISPLAY_FORMATS)[number];

/** How topics or questions are written into a description (the reference's `topics_display`). */
function displaySchema(defaults: { enabled: boolean; prefix: string }) {
  return z
    .object({
      enabled: z.boolean().default(defaults.enabled),
      format: z.enum(DISPLAY_FORMATS).default('numbered_list'),
      maxCount: z.number().int().min(1).max(100).optional(),
      minLength: z.number().int().min(0).max(1000).optional(),
      maxLength: z.number().int().min(1).max(1000).optional(),
      prefix: z.string().max(200).default(defaults.prefix),
      separator: z.string().max(20).optional(),
      showTimestamps: z.boolean().default(false),
    })
    .strict();
}

export const topicsDisplaySchema = displaySchema({ enabled: true, prefix: 'Темы:' });
export const questionsDisplaySchema = displaySchema({ enabled: false, prefix: 'Вопросы для самопроверки:' });
export type DisplayOptions = z.output<typeof topicsDisplaySchema>;

const template = (max: number) => z.string().max(max, `must be at most ${max} characters`);

/** What every platform's metadata has: the title and description templates and how lists are shown. */
const common = {
  titleTemplate: template(500).optional(),
  descriptionTemplate: template(5000).optional(),
  topicsDisplay: topicsDisplaySchema.optional(),
  questionsDisplay: questionsDisplaySchema.optional(),
  tags: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
  thumbnailName: z.string().max(255).optional(),
};

export const youtubeMetadataSchema = z
  .object({
    ...common,
    privacy: z.enum(['public', 'unlisted', 'private']).default('unlisted'),
    /** A scheduled publish (RFC 3339): the video is uploaded private and YouTube makes it public then. */
    publishAt: z.string().datetime({ offset: true, message: 'must be an RFC 3339 date-time' }).optional(),
    playlistId: z.string().max(100).optional(),
    categoryId: z.string().regex(/^\d{1,4}$/, 'must be a YouTube category id, e.g. 27').default('27'),
    defaultLanguage: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, 'must be a language code, e.g. ru or en-US').optional(),
    madeForKids: z.boolean().default(false),
    embeddable: z.boolean().default(true),
    license: z.enum(['youtube', 'creativeCommon']).default('youtube'),
    notifySubscribers: z.boolean().default(true),
    /** Upload our subtitles as the video's captions. */
    uploadCaptions: z.boolean().default(true),
  })
  .strict();

const vkPrivacy = z.number().int().min(0).max(3);
export const vkMetadataSchema = z
  .object({
    ...common,
    groupId: z.number().int().positive().optional(),
    albumId: z.number().int().positive().optional(),
    privacyView: vkPrivacy.default(0),
    privacyComment: vkPrivacy.default(0),
    wallpost: z.boolean().default(false),
    disableComments: z.boolean().default(false),
    repeat: z.boolean().default(false),
    compression: z.boolean().default(false),
  })
  .strict();

/** Files a Yandex Disk upload puts next to the video (the reference's `subtitles_srt`, `subtitles_vtt`, `transcription`, `description_txt`). */
export const SIDECAR_KINDS = ['subtitlesSrt', 'subtitlesVtt', 'transcription', 'descriptionTxt'] as const;
export type SidecarKind = (typeof SIDECAR_KINDS)[number];

/** One sidecar: on or off, and its own folder and file name templates (the video's folder and name by default). */
const sidecarSchema = z
  .object({
    enabled: z.boolean().default(true),
    folderPathTemplate: template(1000).optional(),
    filenameTemplate: template(500).optional(),
  })
  .strict();

export const yandexDiskMetadataSchema = z
  .object({
    ...common,
    folderPathTemplate: template(1000).default('/Video/Uploads'),
    filenameTemplate: template(500).optional(),
    overwrite: z.boolean().default(false),
    publish: z.boolean().default(false),
    sidecars: z.object(Object.fromEntries(SIDECAR_KINDS.map((k) => [k, sidecarSchema.optional()])) as Record<SidecarKind, z.ZodOptional<typeof sidecarSchema>>).strict().optional(),
  })
  .strict();

export const localMetadataSchema = z.object(common).strict();

export const METADATA_SCHEMAS = {
  youtube: youtubeMetadataSchema,
  vk_video: vkMetadataSchema,
  yandex_disk: yandexDiskMetadataSchema,
  local: localMetadataSchema,
} as const;

export type YoutubeMetadata = z.output<typeof youtubeMetadataSchema>;
export type VkMetadata = z.output<typeof vkMetadataSchema>;
export type YandexDiskMetadata = z.output<typeof yandexDiskMetadataSchema>;
export type LocalMetadata = z.output<typeof localMetadataSchema>;
export type PresetMetadata = YoutubeMetadata | VkMetadata | YandexDiskMetadata | LocalMetadata;

export interface MetadataProblem {
  field: string;
  message: string;
}

export function isPresetPlatform(value: string): value is PresetPlatform {
  return (PRESET_PLATFORMS as readonly string[]).includes(value);
}

/** The metadata checked against its platform's schema, with the defaults filled in, or every problem. */
export function parseMetadata(platform: PresetPlatform, metadata: unknown): { ok: true; value: PresetMetadata } | { ok: false; problems: MetadataProblem[] } {
  const result = METADATA_SCHEMAS[platform].safeParse(metadata ?? {});
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    problems: result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: ['metadata', ...issue.path, key].join('.'), message: `is not a ${platform} setting` }))
        : [{ field: ['metadata', ...issue.path].join('.'), message: issue.message }],
    ),
  };
}
