import { z } from 'zod';
import { booleanFilter, listQuery, pageSchema } from '../common/pagination';

/**
 * Templates as the API shows them (camelCase, the reference's names). The gateway checks the
 * shape; ingest checks the content (rules, patterns, every config field) and answers
 * TEMPLATE.INVALID (422) naming each bad field.
 */

const block = (what: string) => z.record(z.unknown()).describe(what);

export const matchingRulesDoc = block(
  '{exactMatches?: string[] (alias exact), keywords?: string[], patterns?: string[] (regular expressions; no nested repetition, backreferences or lookarounds), ' +
    'sourceIds?: uuid[], excludeKeywords?: string[], excludePatterns?: string[], caseSensitive?: boolean}',
);
export const processingConfigDoc = block(
  '{transcription?: {enableTranscription, language, allowErrors, enableTopics, granularity, questionsCount, vocabulary, enableSubtitles, ' +
    'qualityPolicy (flag, fail), providers (openai, assemblyai, offline, in failover order), translateTo (language codes)}, ' +
    'transcriptionVocabulary?: string[], trimming?: {enableTrimming, audioDetection, silenceThreshold, minSilenceDuration, paddingBefore, paddingAfter}}',
);
export const metadataConfigDoc = block('{titleTemplate?, descriptionTemplate?, topicsDisplay?, questionsDisplay?, thumbnailName?, tags?, youtube?, vk?, yandexDisk?, common?}');
export const outputConfigDoc = block('{presetIds?: uuid[], autoUpload?: boolean, uploadCaptions?: boolean, defaultPlatforms?: string[]}');

const fields = {
  name: z.string().max(255, 'must be at most 255 characters'),
  description: z.string().max(2000, 'must be at most 2000 characters'),
  isDraft: z.boolean().describe('A draft is never applied automatically'),
  isActive: z.boolean(),
  priority: z.number().int('must be an integer').min(-1000).max(1000).describe('Higher is tried first when matching; equal priorities go by creation order'),
  matchingRules: matchingRulesDoc,
  processingConfig: processingConfigDoc,
  metadataConfig: metadataConfigDoc,
  outputConfig: outputConfigDoc,
};

export const createTemplateSchema = z
  .object({ ...fields, autoRematch: z.boolean().optional().describe('Match the unbound recordings again at once') })
  .partial()
  .required({ name: true })
  .strict();

export const updateTemplateSchema = z.object(fields).partial().strict();

export const copyTemplateSchema = z.object({ name: z.string().max(255).optional().describe('Default: "<name> (copy)"') }).strict();

export const fromRecordingSchema = z
  .object({
    name: z.string().max(255, 'must be at most 255 characters'),
    matchPattern: z.string().max(300).optional().describe('A regular expression to match; default: the recording title, exactly'),
    matchSourceId: z.string().uuid('must be a source id').optional().describe('Only recordings of this input source'),
  })
  .strict();

export const bulkDeleteSchema = z.object({ ids: z.array(z.string().uuid('must be a template id')).min(1, 'must name at least one template').max(100, 'must name at most 100 templates') }).strict();

export const previewMatchSchema = z
  .object({
    onlyUnbound: z.boolean().optional().describe('Leave out recordings bound to a template (the reference\'s only_skipped)'),
    sourceId: z.string().uuid('must be a source id').optional(),
    limit: z.number().int().min(1).max(500).optional().describe('At most this many matches (default 100)'),
  })
  .strict();

export const rematchSchema = z
  .object({ onlyUnbound: z.boolean().optional().describe('Default true: only recordings bound to no template; false also takes over recordings this template now wins') })
  .strict();

export const templateViewSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  isDraft: z.boolean(),
  isActive: z.boolean(),
  isDefault: z.boolean(),
  priority: z.number().int(),
  matchingRules: matchingRulesDoc,
  processingConfig: processingConfigDoc,
  metadataConfig: metadataConfigDoc,
  outputConfig: outputConfigDoc,
  usedCount: z.number().int(),
  lastUsedAt: z.string().datetime().nullable(),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
});
export type TemplateView = z.infer<typeof templateViewSchema>;

export const templateSavedSchema = templateViewSchema.extend({ rematched: z.number().int().optional().describe('Recordings bound by autoRematch') });
export const templatePageSchema = pageSchema(templateViewSchema);

export const listTemplatesQuerySchema = listQuery({
  search: z.string().max(200, 'must be at most 200 characters').optional().describe('Text in the name or description (case-insensitive)'),
  includeDrafts: booleanFilter().describe('Include drafts (default true)'),
  isActive: booleanFilter().describe('Only active (true) or inactive (false) templates'),
});

export const matchSchema = z.object({
  recordingId: z.string().uuid(),
  title: z.string(),
  status: z.string(),
  templateId: z.string().uuid().nullable().describe('The template the recording is bound to'),
  rule: z.enum(['exact', 'keyword', 'pattern']).describe('The rule that matched'),
  value: z.string().describe('The phrase, keyword or pattern that matched'),
});
export const matchPreviewSchema = z.object({ examined: z.number().int(), matches: z.array(matchSchema) });
export const rematchResultSchema = z.object({ examined: z.number().int(), bound: z.array(matchSchema) });
export const bulkDeletedSchema = z.object({ deleted: z.array(z.string().uuid()), notFound: z.array(z.string()), unboundRecordings: z.number().int() });
export const templateStatsSchema = z.object({
  templateId: z.string().uuid(),
  totalRecordings: z.number().int(),
  byStatus: z.record(z.number().int()).describe('Recording status → count'),
  usedCount: z.number().int(),
  lastUsedAt: z.string().datetime().nullable().describe('The last time it was bound to a recording'),
});

export const LAYERS = ['default_template', 'bound_template', 'runtime_template', 'recording_preferences', 'manual_override'] as const;

export const resolveQuerySchema = z
  .object({
    recording_id: z.string().uuid('must be a recording id').optional(),
    template_id: z.string().uuid('must be a template id').optional().describe('A runtime template, above the bound one'),
    include_layers: booleanFilter().describe('Also answer each layer and where each value comes from'),
  })
  .strict();

const layered = z.object({ processing: z.record(z.unknown()), metadata: z.record(z.unknown()), output: z.record(z.unknown()) });
export const resolvedSchema = z.object({
  effective: layered,
  sources: z.record(z.enum(LAYERS)).optional().describe('With include_layers: each effective value, by its dotted path, and the layer it comes from'),
  layers: z
    .array(
      z.object({
        name: z.enum(LAYERS),
        templateId: z.string().uuid().nullable(),
        config: z.record(z.unknown()),
        run: z
          .boolean()
          .optional()
          .describe('Set on the layers the last run gave (`POST /recordings/{id}/run`, a bulk run, an automation job): its template, its config'),
      }),
    )
    .optional()
    .describe('With include_layers: the layers, lowest first'),
});

export const preferencesSchema = z
  .object({ processing: z.record(z.unknown()).nullable().optional(), metadata: z.record(z.unknown()).nullable().optional(), output: z.record(z.unknown()).nullable().optional() })
  .strict()
  .describe("Deep-merged into the recording's preferences; a null removes a key");

export const bindSchema = z.object({ templateId: z.string().min(1, 'must be a template id').max(100, 'must be a template id').describe('The template to bind (one of yours)') }).strict();

export const recordingConfigSchema = z.object({
  recordingId: z.string().uuid(),
  templateId: z.string().uuid().nullable(),
  isMapped: z.boolean(),
  preferences: z.record(z.unknown()).describe("The recording's preferences as stored: {processing?, metadata?, output?}"),
});

/** Ingest's resolved config as the API shows it: the effective config, each value's layer and the layers. */
export function resolvedView(reply: { effective?: Record<string, unknown>; sources?: Record<string, unknown>; layers?: Array<{ name: string; templateId?: string; config?: Record<string, unknown>; run?: boolean }> }) {
  return {
    effective: { processing: {}, metadata: {}, output: {}, ...(reply.effective ?? {}) },
    sources: (reply.sources ?? {}) as Record<string, (typeof LAYERS)[number]>,
    layers: (reply.layers ?? []).map((l) => ({ name: l.name as (typeof LAYERS)[number], templateId: l.templateId || null, config: l.config ?? {}, ...(l.run ? { run: true } : {}) })),
  };
}

export const RENDER_PLATFORMS = ['youtube', 'vk_video', 'yandex_disk', 'local'] as const;

export const renderPreviewSchema = z
  .object({
    templateId: z.string().uuid('must be a template id').optional().describe('Render this template\'s metadataConfig'),
    metadataConfig: metadataConfigDoc.optional().describe('…or this metadataConfig, not saved'),
    recordingId: z.string().uuid('must be a recording id').optional().describe('Render for this recording of yours (its title, dates and topics, as an upload would); a sample recording when absent'),
    platform: z.enum(RENDER_PLATFORMS).default('youtube').describe('Whose limits apply (YouTube titles 100 characters, VK 128, descriptions 5000)'),
    variables: z
      .record(z.unknown())
      .optional()
      .describe('Without recordingId: values in place of the sample recording\'s (display_name, summary, themes, topics, questions, duration, recorded_at, published_at)'),
    timeZone: z.string().max(64).optional().describe('IANA time zone the dates are shown in (default UTC)'),
  })
  .strict()
  .refine((b) => (b.templateId === undefined) !== (b.metadataConfig === undefined), { message: 'give templateId or metadataConfig (one of them)', path: ['templateId'] })
  .refine((b) => !(b.recordingId && b.variables), { message: 'variables go without recordingId', path: ['variables'] });

export const renderedPreviewSchema = z.object({
  platform: z.enum(RENDER_PLATFORMS),
  title: z.string(),
  description: z.string(),
  titleTruncated: z.boolean().describe('The platform\'s limit cut the title (with "...")'),
  descriptionTruncated: z.boolean(),
  yandexDisk: z
    .object({ folderPath: z.string(), filename: z.string() })
    .optional()
    .describe('When the metadata has a yandexDisk block with folderPathTemplate or filenameTemplate (or platform is yandex_disk): where the upload would go'),
});
