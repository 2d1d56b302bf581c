import { METADATA_SCHEMAS, type PresetPlatform } from '../presets/preset-metadata';

type Block = Record<string, unknown>;

/** A template's own fields an upload takes (leap-inventory §4.2: the metadataConfig's common fields). */
export const TEMPLATE_COMMON_FIELDS = ['titleTemplate', 'descriptionTemplate', 'topicsDisplay', 'questionsDisplay', 'thumbnailName', 'tags'] as const;

/** The block of a template's metadataConfig that refines each platform's upload. */
export const TEMPLATE_PLATFORM_BLOCK: Record<PresetPlatform, string | undefined> = { youtube: 'youtube', vk_video: 'vk', yandex_disk: 'yandexDisk', local: undefined };

export interface LayeredMetadata {
  /** The preset's metadata with the template's values over it, still to be checked against the platform's schema. */
  metadata: Block;
  /** Where each field the template set came from (`metadataConfig.youtube.titleTemplate`), for errors that name it. */
  sources: Record<string, string>;
}

const isBlock = (value: unknown): value is Block => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A template's metadataConfig laid over a preset's metadata for one platform, in the reference's
 * upload order (leap-inventory §4.3): the preset's metadata, then the template's common fields,
 * then its `common` block, then the platform's block (`youtube`, `vk`, `yandexDisk`). The blocks
 * set only what the platform's preset has (a `youtube.privacy` does nothing to a VK upload);
 * null and absent values leave the layer below as it is. An empty template leaves the preset's
 * metadata alone. Both the upload and the render preview go through here.
 */
export function withTemplateMetadata(platform: PresetPlatform, presetMetadata: unknown, templateMetadata: unknown): LayeredMetadata {
  const metadata: Block = isBlock(presetMetadata) ? { ...presetMetadata } : {};
  const sources: Record<string, string> = {};
  if (!isBlock(templateMetadata)) return { metadata, sources };
  const known = Object.keys(METADATA_SCHEMAS[platform].shape);
  const lay = (block: unknown, keys: readonly string[], prefix: string) => {
    if (!isBlock(block)) return;
    for (const key of keys) {
      if (block[key] === undefined || block[key] === null) continue;
      metadata[key] = block[key];
      sources[key] = `${prefix}${key}`;
    }
  };
  lay(templateMetadata, TEMPLATE_COMMON_FIELDS, 'metadataConfig.');
  lay(templateMetadata.common, known, 'metadataConfig.common.');
  const block = TEMPLATE_PLATFORM_BLOCK[platform];
  if (block) lay(templateMetadata[block], known, `metadataConfig.${block}.`);
  return { metadata, sources };
}

/**
 * A problem's field (`metadata.topicsDisplay.format`) named where the template set it
 * (`metadataConfig.common.topicsDisplay.format`), or as it was when the preset set it.
 */
export function templateField(field: string, sources: Record<string, string>): string {
  const match = /^metadata\.([^.]+)(.*)$/.exec(field);
  const source = match ? sources[match[1]!] : undefined;
  return source ? `${source}${match![2]}` : field;
}
