import {
  SIDECAR_KINDS,
  questionsDisplaySchema,
  topicsDisplaySchema,
  type PresetMetadata,
  type PresetPlatform,
  type SidecarKind,
  type YandexDiskMetadata,
} from '../presets/preset-metadata';
import { MetadataTemplates } from './template-engine';
import { PLATFORM_LIMITS, safeFileName, safeFolderPath, sanitizeForYoutube, tidy, truncate } from './platform-limits';
import { formatList } from './display-formats';
import { templateVariables, type RecordingFacts } from './template-variables';

export const DEFAULT_TITLE_TEMPLATE = '{{ display_name }}';
export const DEFAULT_FILENAME_TEMPLATE = '{{ display_name }}';

/** What an upload sends as the video's metadata. */
export interface RenderedMetadata {
  title: string;
  description: string;
  titleTruncated: boolean;
  descriptionTruncated: boolean;
  /** Yandex Disk: the folder and the file name (without extension). */
  folderPath?: string;
  filename?: string;
  /** Yandex Disk: where each enabled sidecar goes (the file name with its extension). */
  sidecars?: Partial<Record<SidecarKind, { folderPath: string; filename: string }>>;
  /** Every variable the templates saw (with `title`), for the local export's metadata. */
  variables: Record<string, string>;
}

/** Every template a preset's metadata holds, with the field it sits in (for validation on save). */
export function templatesOf(metadata: PresetMetadata): Array<{ field: string; source: string; title: boolean }> {
  const found: Array<{ field: string; source: string; title: boolean }> = [];
  if (metadata.titleTemplate !== undefined) found.push({ field: 'metadata.titleTemplate', source: metadata.titleTemplate, title: true });
  if (metadata.descriptionTemplate !== undefined) found.push({ field: 'metadata.descriptionTemplate', source: metadata.descriptionTemplate, title: false });
  const disk = metadata as Partial<YandexDiskMetadata>;
  if (disk.folderPathTemplate !== undefined) found.push({ field: 'metadata.folderPathTemplate', source: disk.folderPathTemplate, title: false });
  if (disk.filenameTemplate !== undefined) found.push({ field: 'metadata.filenameTemplate', source: disk.filenameTemplate, title: false });
  for (const kind of SIDECAR_KINDS) {
    const sidecar = disk.sidecars?.[kind];
    if (sidecar?.folderPathTemplate !== undefined) found.push({ field: `metadata.sidecars.${kind}.folderPathTemplate`, source: sidecar.folderPathTemplate, title: false });
    if (sidecar?.filenameTemplate !== undefined) found.push({ field: `metadata.sidecars.${kind}.filenameTemplate`, source: sidecar.filenameTemplate, title: false });
  }
  return found;
}

/**
 * Checks a preset's templates as a save does: each parses, a title uses a variable, and each
 * renders within its limits against a sample recording.
 */
export async function validateTemplates(templates: MetadataTemplates, platform: PresetPlatform, metadata: PresetMetadata): Promise<void> {
  for (const t of templatesOf(metadata)) templates.validate(t.source, { field: t.field, requireVariable: t.title });
  await renderMetadata(templates, platform, metadata, SAMPLE_RECORDING, 'UTC');
}

/**
 * Renders a preset's title, description (and Yandex Disk names) for a recording, with the
 * reference's rules: dates in the owner's time zone; a title cut with "..." to the platform's
 * limit (YouTube 100, VK 128), a description to 5000; an empty title falls back to the display
 * name (or "Uploaded on <date>"), an empty description to "Uploaded on <date>" and the topics;
 * YouTube's forbidden angle brackets replaced.
 */
export async function renderMetadata(
  templates: MetadataTemplates,
  platform: PresetPlatform,
  metadata: PresetMetadata,
  facts: RecordingFacts,
  timeZone: string,
): Promise<RenderedMetadata> {
  const topicsDisplay = metadata.topicsDisplay ?? topicsDisplaySchema.parse({});
  const questionsDisplay = metadata.questionsDisplay ?? questionsDisplaySchema.parse({});
  const variables: Record<string, string> = templateVariables(facts, { timeZone, topicsDisplay, questionsDisplay });
  const limits = PLATFORM_LIMITS[platform];
  const youtube = platform === 'youtube';

  let title = tidy(await templates.render(metadata.titleTemplate ?? DEFAULT_TITLE_TEMPLATE, variables, 'metadata.titleTemplate'), { singleLine: true });
  if (!title) title = tidy(facts.displayName, { singleLine: true }) || `Uploaded on ${variables.publish_date}`;
  if (youtube) title = sanitizeForYoutube(title);
  const cutTitle = truncate(title, limits.title);
  variables.title = cutTitle.text;

  let description = metadata.descriptionTemplate
    ? tidy(await templates.render(metadata.descriptionTemplate, variables, 'metadata.descriptionTemplate'), { singleLine: false })
    : '';
  if (!description) {
    const topics = formatList(facts.topics ?? [], { ...topicsDisplay, enabled: true });
    description = [`Uploaded on ${variables.publish_date}`, topics].filter(Boolean).join('\n\n');
  }
  if (youtube) description = sanitizeForYoutube(description);
  const cutDescription = truncate(description, limits.description);

  const rendered: RenderedMetadata = {
    title: cutTitle.text,
    description: cutDescription.text,
    titleTruncated: cutTitle.truncated,
    descriptionTruncated: cutDescription.truncated,
    variables,
  };
  if (platform === 'yandex_disk') {
    const disk = metadata as YandexDiskMetadata;
    rendered.folderPath = safeFolderPath(await templates.render(disk.folderPathTemplate, variables, 'metadata.folderPathTemplate'));
    const filename = safeFileName(await templates.render(disk.filenameTemplate ?? DEFAULT_FILENAME_TEMPLATE, variables, 'metadata.filenameTemplate'));
    rendered.filename = filename || safeFileName(cutTitle.text) || facts.recordingId;
    const sidecars: NonNullable<RenderedMetadata['sidecars']> = {};
    for (const kind of SIDECAR_KINDS) {
      const sidecar = disk.sidecars?.[kind];
      if (!sidecar?.enabled) continue;
      const field = `metadata.sidecars.${kind}`;
      const folderPath = sidecar.folderPathTemplate ? safeFolderPath(await templates.render(sidecar.folderPathTemplate, variables, `${field}.folderPathTemplate`)) : rendered.folderPath;
      const own = sidecar.filenameTemplate ? safeFileName(await templates.render(sidecar.filenameTemplate, variables, `${field}.filenameTemplate`)) : '';
      sidecars[kind] = { folderPath, filename: own ? `${own}${SIDECAR_EXTENSION[kind]}` : `${rendered.filename}${SIDECAR_DEFAULT_SUFFIX[kind]}` };
    }
    if (Object.keys(sidecars).length > 0) rendered.sidecars = sidecars;
  }
  return rendered;
}

/** A sidecar's extension when its own file name template names it. */
const SIDECAR_EXTENSION: Record<SidecarKind, string> = { subtitlesSrt: '.srt', subtitlesVtt: '.vtt', transcription: '.txt', descriptionTxt: '.txt' };
/** A sidecar's name after the video's when it has no template of its own (`Lecture 3.srt`, `Lecture 3.description.txt`). */
const SIDECAR_DEFAULT_SUFFIX: Record<SidecarKind, string> = { subtitlesSrt: '.srt', subtitlesVtt: '.vtt', transcription: '.transcript.txt', descriptionTxt: '.description.txt' };

/** The recording a preview (and the check on save) renders when none is given. */
export const SAMPLE_RECORDING: RecordingFacts = {
  recordingId: '01900000-0000-7000-8000-000000000000',
  displayName: 'Линейная алгебра, лекция 3',
  originalTitle: 'Linear algebra — lecture 3',
  durationSeconds: 5425,
  summary: 'Матрицы, определители и их свойства.',
  mainTopics: ['Матрицы', 'Определители', 'Ранг матрицы', 'Обратная матрица'],
  topics: [
    { text: 'Матрицы и операции над ними', start: 95 },
    { text: 'Определители', start: 1260 },
    { text: 'Ранг матрицы', start: 3050 },
  ],
  questions: [{ text: 'Что такое определитель матрицы?' }, { text: 'Когда матрица обратима?' }],
  recordedAt: new Date('2026-03-02T07:30:00Z'),
  publishedAt: new Date('2026-03-02T12:00:00Z'),
};
