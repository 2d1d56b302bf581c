import { LeapError } from '@leap/errors';
import { z } from 'zod';
import { unsafePattern, type MatchingRules } from './matching-rules';

/**
 * The fields of a template as the API takes them (camelCase, leap-inventory §4.1–§4.2), checked
 * on save: a bad field is TEMPLATE.INVALID (422) with every problem listed in `details.errors`,
 * and nothing is stored. Nulls are allowed in the config blocks: the resolver ignores them.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const phrase = z.string().trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters');
const phrases = z.array(phrase).max(100, 'must have at most 100 entries');
const patterns = z.array(z.string().superRefine((p, ctx) => {
  const why = unsafePattern(p);
  if (why) ctx.addIssue({ code: z.ZodIssueCode.custom, message: why });
})).max(50, 'must have at most 50 entries');

export const matchingRulesSchema = z
  .object({
    exactMatches: phrases.optional(),
    /** The name the brief's examples use; stored as `exactMatches`. */
    exact: phrases.optional(),
    keywords: phrases.optional(),
    patterns: patterns.optional(),
    sourceIds: z.array(z.string().regex(UUID, 'must be a source id')).max(100, 'must have at most 100 entries').optional(),
    excludeKeywords: phrases.optional(),
    excludePatterns: patterns.optional(),
    caseSensitive: z.boolean().optional(),
  })
  .strict()
  .transform(({ exact, ...rules }): MatchingRules => {
    const exactMatches = [...(rules.exactMatches ?? []), ...(exact ?? [])];
    return { ...rules, ...(exactMatches.length ? { exactMatches } : {}) };
  });

const n = <T extends z.ZodTypeAny>(schema: T) => schema.nullable().optional();

const language = z.string().regex(/^[a-z]{2,3}(-[A-Za-z]{2,4})?$/, 'must be a language code such as ru or en');

/** Speech providers a template may name, as the transcription service's TRANSCRIPTION_PROVIDERS does. */
export const TEMPLATE_PROVIDERS = ['openai', 'assemblyai', 'offline'] as const;

const distinct = <T extends z.ZodTypeAny>(list: z.ZodArray<T>) =>
  list.refine((items) => new Set(items).size === items.length, 'must not name the same entry twice');

const transcriptionSchema = z
  .object({
    enableTranscription: n(z.boolean()),
    language: n(language),
    allowErrors: n(z.boolean()),
    enableTopics: n(z.boolean()),
    granularity: n(z.enum(['short', 'long'])),
    questionsCount: n(z.number().int().min(0).max(20)),
    vocabulary: n(z.array(z.string().max(100)).max(500)),
    enableSubtitles: n(z.boolean()),
    prompt: n(z.string().max(2000)),
    /** What a transcript that fails the quality checks does: `flag` it and go on (the default), or `fail` the stage. */
    qualityPolicy: n(z.enum(['flag', 'fail'])),
    /** The speech providers for these recordings, in failover order, instead of the server's and the tenant's. */
    providers: n(distinct(z.array(z.enum(TEMPLATE_PROVIDERS)).min(1, 'must name at least one provider').max(TEMPLATE_PROVIDERS.length))),
    /** Languages the subtitles are translated into, each its own SRT and VTT. */
    translateTo: n(distinct(z.array(language).max(10, 'must have at most 10 languages'))),
  })
  .strict();

const trimmingSchema = z
  .object({
    enableTrimming: n(z.boolean()),
    audioDetection: n(z.boolean()),
    silenceThreshold: n(z.number().min(-100).max(0)),
    minSilenceDuration: n(z.number().min(0).max(3600)),
    paddingBefore: n(z.number().min(0).max(600)),
    paddingAfter: n(z.number().min(0).max(600)),
  })
  .strict();

export const processingConfigSchema = z
  .object({
    transcription: n(transcriptionSchema),
    transcriptionVocabulary: n(z.array(z.string().max(100)).max(500)),
    trimming: n(trimmingSchema),
  })
  .strict();

const block = z.record(z.unknown());
export const metadataConfigSchema = z
  .object({
    titleTemplate: n(z.string().max(500, 'must be at most 500 characters')),
    descriptionTemplate: n(z.string().max(5000, 'must be at most 5000 characters')),
    topicsDisplay: n(block),
    questionsDisplay: n(block),
    thumbnailName: n(z.string().max(255)),
    tags: n(z.array(z.string().max(100)).max(100)),
    youtube: n(block),
    vk: n(block),
    yandexDisk: n(block),
    common: n(block),
  })
  .strict();

export const outputConfigSchema = z
  .object({
    presetIds: n(z.array(z.string().regex(UUID, 'must be a preset id')).max(20)),
    autoUpload: n(z.boolean()),
    uploadCaptions: n(z.boolean()),
    defaultPlatforms: n(z.array(z.string().max(50)).max(10)),
  })
  .strict();

export const templateFieldsSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
    description: z.string().max(2000, 'must be at most 2000 characters'),
    isDraft: z.boolean(),
    isActive: z.boolean(),
    priority: z.number().int('must be an integer').min(-1000).max(1000),
    matchingRules: matchingRulesSchema,
    processingConfig: processingConfigSchema,
    metadataConfig: metadataConfigSchema,
    outputConfig: outputConfigSchema,
  })
  .partial()
  .strict();

export type TemplateFields = z.output<typeof templateFieldsSchema>;

/** The fields, checked; every problem at once. */
export function checkedFields(input: unknown): TemplateFields {
  const parsed = templateFieldsSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw invalid(parsed.error);
}

/** A config block of a recording's override, `{processing, metadata, output}`, checked like a template's. */
export const layeredConfigSchema = z
  .object({ processing: n(processingConfigSchema), metadata: n(metadataConfigSchema), output: n(outputConfigSchema) })
  .strict();

export function checkedOverride(input: unknown): z.output<typeof layeredConfigSchema> {
  const parsed = layeredConfigSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw invalid(parsed.error, 'RECORDING_CONFIG.INVALID');
}

/**
 * The config a run gives of its own (`RunRecording.overrides`), checked like a template's: every
 * problem at once, as RECORDING_CONFIG.INVALID (422) naming the body's fields.
 */
export const runOverridesSchema = z
  .object({
    templateId: z.string().regex(UUID, 'must be a template id').optional(),
    bindTemplate: z.boolean().optional(),
    processingConfig: n(processingConfigSchema),
    metadataConfig: n(metadataConfigSchema),
    outputConfig: n(outputConfigSchema),
  })
  .strict()
  .refine((o) => !o.bindTemplate || o.templateId !== undefined, { message: 'needs templateId', path: ['bindTemplate'] });

export type RunOverrides = z.output<typeof runOverridesSchema>;

export function checkedRunOverrides(input: unknown): RunOverrides {
  const parsed = runOverridesSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw invalid(parsed.error, 'RECORDING_CONFIG.INVALID');
}

/**
 * An automation job's `processingConfig`, checked like a template's (AUTOMATION.INVALID, 422,
 * naming each field); null clears it.
 */
export function checkedJobProcessing(input: unknown): Record<string, unknown> {
  const parsed = z.object({ processingConfig: n(processingConfigSchema) }).strict().safeParse({ processingConfig: input });
  if (parsed.success) return (parsed.data.processingConfig ?? {}) as Record<string, unknown>;
  throw invalid(parsed.error, 'AUTOMATION.INVALID');
}

function invalid(error: z.ZodError, code = 'TEMPLATE.INVALID'): LeapError {
  const errors = error.issues.map((i) => ({
    field: i.path.join('.') || '(body)',
    message: i.code === z.ZodIssueCode.unrecognized_keys ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
  return new LeapError(code, errors.map((e) => `${e.field}: ${e.message}`).join('; '), { status: 422, retryable: false, details: { errors } });
}
