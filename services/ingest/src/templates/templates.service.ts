import { Injectable } from '@nestjs/common';
import type {
  ChangeRecordingConfig,
  ConfigResolved,
  CopyTemplate,
  CreateTemplateFromRecording,
  DeleteTemplates,
  GetTemplate,
  GetTemplateStats,
  ListTemplates,
  PreviewTemplateMatch,
  RecordingConfigChanged,
  RecordingTemplate,
  RematchTemplate,
  ResolveConfig,
  SaveTemplate,
  SetDefaultTemplate,
  TemplateCopied,
  TemplateCreatedFromRecording,
  TemplateDefaultSet,
  TemplateFound,
  TemplateMatch,
  TemplateMatchPreview,
  TemplateRematched,
  TemplateSaved,
  TemplatesDeleted,
  TemplatesPage,
  TemplateStats,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { Clock } from '../clock.service';
import type { Transaction } from '../recordings/recording.repository';
import { applyPatch, resolveLayers, type ConfigLayer, type JsonObject, type LayeredConfig } from './config-layers';
import { firstMatch, type MatchReason } from './matching-rules';
import { checkedFields, checkedOverride, type TemplateFields } from './template-fields';
import { TemplatesRepository, type RecordingConfigRow, type TemplateRow } from './templates.repository';

/** What the base template starts with: the platform's defaults, which every other layer refines. */
export const DEFAULT_TEMPLATE = {
  name: 'Default',
  processingConfig: {
    transcription: { enableTranscription: true, enableTopics: true, enableSubtitles: true, allowErrors: false },
    trimming: { enableTrimming: true, audioDetection: true },
  },
  outputConfig: { presetIds: [], autoUpload: false, uploadCaptions: true },
};

export function templateView(row: TemplateRow): RecordingTemplate {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    description: row.description,
    isDraft: row.isDraft,
    isActive: row.isActive,
    isDefault: row.isDefault,
    priority: row.priority,
    matchingRules: row.matchingRules as JsonObject,
    processingConfig: row.processingConfig,
    metadataConfig: row.metadataConfig,
    outputConfig: row.outputConfig,
    usedCount: row.usedCount,
    ...(row.lastUsedAt ? { lastUsedAt: new Date(row.lastUsedAt).toISOString() } : {}),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

const matchView = (recording: RecordingConfigRow, reason: MatchReason, templateId?: string | null): TemplateMatch => ({
  recordingId: recording.id,
  title: recording.title,
  status: recording.status,
  ...(templateId ? { templateId } : {}),
  rule: reason.rule,
  value: reason.value,
});

const layerOf = (row: TemplateRow): LayeredConfig => ({ processing: row.processingConfig, metadata: row.metadataConfig, output: row.outputConfig });

/**
 * Templates (CRUD, drafts, copy, from-recording, default, stats), matching (preview, rematch, on
 * creation) and the config layers of a recording (resolve, manual override, bind and unbind).
 */
@Injectable()
export class TemplatesService {
  constructor(
    private readonly templates: TemplatesRepository,
    private readonly clock: Clock,
  ) {}

  // ---- the base template ----

  /** The user's base template, created on first need (idempotent: concurrent callers get the same one). */
  async ensureDefault(tx: Transaction, userId: string): Promise<TemplateRow> {
    const existing = await this.templates.findDefault(tx, userId);
    if (existing) return existing;
    const now = this.clock.now();
    for (const name of [DEFAULT_TEMPLATE.name, `${DEFAULT_TEMPLATE.name} (base)`]) {
      await this.templates.insert(
        tx,
        {
          id: this.templates.newId(), userId, name, description: 'The base every recording is processed with', isDraft: false, isActive: true, isDefault: true, priority: 0,
          matchingRules: {}, processingConfig: DEFAULT_TEMPLATE.processingConfig, metadataConfig: {}, outputConfig: DEFAULT_TEMPLATE.outputConfig,
          usedCount: 0, lastUsedAt: null, createdAt: now, updatedAt: now,
        },
        true,
      );
      const created = await this.templates.findDefault(tx, userId);
      if (created) return created;
    }
    throw new LeapError('TEMPLATE.DEFAULT_UNAVAILABLE', `Could not create the base template of ${userId}`, { status: 500, retryable: true });
  }

  // ---- CRUD ----

  async save(tx: Transaction, q: SaveTemplate): Promise<TemplateSaved> {
    const fields = checkedFields(q.fields);
    const now = this.clock.now();
    let row: TemplateRow;
    if (q.templateId) {
      row = { ...(await this.owned(tx, q.userId, q.templateId)) };
      this.apply(row, fields);
      if (row.isDefault && (row.isDraft || !row.isActive)) throw new LeapError('TEMPLATE.INVALID', 'isDraft, isActive: the default template cannot be a draft or inactive', { status: 422, details: { errors: [{ field: 'isDraft', message: 'the default template cannot be a draft or inactive' }] } });
      await this.checkName(tx, row);
      row = await this.templates.update(tx, row, now);
    } else {
      if (fields.name === undefined) throw new LeapError('TEMPLATE.INVALID', 'name: is required', { status: 422, details: { errors: [{ field: 'name', message: 'is required' }] } });
      await this.ensureDefault(tx, q.userId);
      row = {
        id: this.templates.newId(), userId: q.userId, name: fields.name, description: '', isDraft: false, isActive: true, isDefault: false, priority: 0,
        matchingRules: {}, processingConfig: {}, metadataConfig: {}, outputConfig: {}, usedCount: 0, lastUsedAt: null, createdAt: now, updatedAt: now,
      };
      this.apply(row, fields);
      await this.checkName(tx, row);
      row = (await this.templates.insert(tx, row))!;
    }
    const rematched = q.autoRematch ? (await this.rematchAll(tx, q.userId, true)).length : 0;
    return { template: templateView((await this.templates.find(tx, q.userId, row.id))!), rematched };
  }

  async get(tx: Transaction, q: GetTemplate): Promise<TemplateFound> {
    if (q.defaultTemplate) return { template: templateView(await this.ensureDefault(tx, q.userId)) };
    return { template: templateView(await this.owned(tx, q.userId, q.templateId ?? '')) };
  }

  async list(tx: Transaction, q: ListTemplates): Promise<TemplatesPage> {
    await this.ensureDefault(tx, q.userId);
    return { templates: (await this.templates.list(tx, q.userId)).map(templateView) };
  }

  async copy(tx: Transaction, q: CopyTemplate): Promise<TemplateCopied> {
    const source = await this.owned(tx, q.userId, q.templateId);
    const now = this.clock.now();
    const row: TemplateRow = { ...source, id: this.templates.newId(), name: (q.name || `${source.name} (copy)`).trim(), isDraft: true, isDefault: false, usedCount: 0, lastUsedAt: null, createdAt: now, updatedAt: now };
    checkedFields({ name: row.name });
    await this.checkName(tx, row);
    return { template: templateView((await this.templates.insert(tx, row))!) };
  }

  async fromRecording(tx: Transaction, q: CreateTemplateFromRecording): Promise<TemplateCreatedFromRecording> {
    const recording = await this.ownedRecording(tx, q.userId, q.recordingId, true);
    const preferences = resolveLayers([
      { name: 'recording_preferences', config: recording.processingPreferences },
      { name: 'manual_override', config: recording.runOverride },
    ]).effective;
    const matchingRules = {
      ...(q.matchPattern ? { patterns: [q.matchPattern] } : { exactMatches: [recording.title] }),
      ...(q.matchSourceId ? { sourceIds: [q.matchSourceId] } : {}),
    };
    const saved = await this.save(tx, {
      userId: q.userId,
      fields: { name: q.name, matchingRules, processingConfig: preferences.processing, metadataConfig: preferences.metadata, outputConfig: preferences.output },
    });
    await this.templates.bind(tx, recording.id, saved.template.id, this.clock.now());
    await this.templates.used(tx, saved.template.id, 1, this.clock.now());
    return { template: templateView((await this.templates.find(tx, q.userId, saved.template.id))!) };
  }

  async setDefault(tx: Transaction, q: SetDefaultTemplate): Promise<TemplateDefaultSet> {
    const row = await this.owned(tx, q.userId, q.templateId);
    await this.templates.setDefault(tx, q.userId, row.id, this.clock.now());
    return { template: templateView((await this.templates.find(tx, q.userId, row.id))!) };
  }

  /** All or nothing: one default or unknown id refuses the whole request. */
  async delete(tx: Transaction, q: DeleteTemplates): Promise<TemplatesDeleted> {
    const ids = [...new Set(q.templateIds ?? [])];
    if (ids.length === 0 || ids.length > 100) throw new LeapError('TEMPLATE.INVALID', 'templateIds: give 1 to 100 templates', { status: 422, details: { errors: [{ field: 'ids', message: 'give 1 to 100 templates' }] } });
    const found: TemplateRow[] = [];
    const notFound: string[] = [];
    for (const id of ids) {
      const row = await this.templates.find(tx, q.userId, id);
      if (row) found.push(row);
      else notFound.push(id);
    }
    const base = found.find((t) => t.isDefault);
    if (base) throw new LeapError('TEMPLATE.IS_DEFAULT', `Template ${base.id} is the default template: make another the default first`, { status: 409 });
    const unbound = found.length ? await this.templates.delete(tx, q.userId, found.map((t) => t.id)) : 0;
    return { deleted: found.map((t) => t.id), notFound, unboundRecordings: unbound };
  }

  async stats(tx: Transaction, q: GetTemplateStats): Promise<TemplateStats> {
    const row = await this.owned(tx, q.userId, q.templateId);
    const byStatus = await this.templates.countByStatus(tx, q.userId, row.id);
    return {
      templateId: row.id,
      totalRecordings: Object.values(byStatus).reduce((a, b) => a + b, 0),
      byStatus,
      usedCount: row.usedCount,
      ...(row.lastUsedAt ? { lastUsedAt: new Date(row.lastUsedAt).toISOString() } : {}),
    };
  }

  // ---- matching ----

  /** Which recordings this template's rules match, and why; nothing changes. */
  async previewMatch(tx: Transaction, q: PreviewTemplateMatch): Promise<TemplateMatchPreview> {
    const template = await this.owned(tx, q.userId, q.templateId);
    const limit = q.limit && q.limit > 0 ? Math.min(q.limit, 500) : 100;
    const recordings = await this.templates.recordings(tx, q.userId, { onlyUnbound: q.onlyUnbound, sourceId: q.sourceId || undefined });
    const matches: TemplateMatch[] = [];
    for (const recording of recordings) {
      const hit = firstMatch([{ ...template, isDraft: false, isActive: true, isDefault: false }], recording);
      if (hit) matches.push(matchView(recording, hit.reason, recording.templateId));
      if (matches.length >= limit) break;
    }
    return { examined: recordings.length, matches };
  }

  /** Binds the recordings this template now wins (against all the user's templates, first match wins). */
  async rematch(tx: Transaction, q: RematchTemplate): Promise<TemplateRematched> {
    const template = await this.owned(tx, q.userId, q.templateId);
    const recordings = await this.templates.recordings(tx, q.userId, { onlyUnbound: q.onlyUnbound });
    const all = await this.templates.list(tx, q.userId);
    const bound: TemplateMatch[] = [];
    const now = this.clock.now();
    for (const recording of recordings) {
      const hit = firstMatch(all, recording);
      if (hit?.template.id !== template.id || recording.templateId === template.id) continue;
      await this.templates.bind(tx, recording.id, template.id, now);
      bound.push(matchView(recording, hit.reason, template.id));
    }
    await this.templates.used(tx, template.id, bound.length, now);
    return { examined: recordings.length, bound };
  }

  /** Every unbound (or every) recording of the user matched again; answers those bound. */
  private async rematchAll(tx: Transaction, userId: string, onlyUnbound: boolean): Promise<TemplateMatch[]> {
    const all = await this.templates.list(tx, userId);
    const bound: TemplateMatch[] = [];
    const now = this.clock.now();
    for (const recording of await this.templates.recordings(tx, userId, { onlyUnbound })) {
      const hit = firstMatch(all, recording);
      if (!hit || hit.template.id === recording.templateId) continue;
      await this.templates.bind(tx, recording.id, hit.template.id, now);
      await this.templates.used(tx, hit.template.id, 1, now);
      bound.push(matchView(recording, hit.reason, hit.template.id));
    }
    return bound;
  }

  /**
   * A recording just created from a source (sync, add-url, playlist, upload): bound to the
   * template given explicitly (when it is the user's), or else to the first that matches its
   * title and source. A recording no template matches stays unbound and runs with the default
   * template's config (the reference marks it SKIPPED instead; here nothing is held back).
   */
  async bindOnCreate(tx: Transaction, created: { recordingId: string; userId: string; templateId?: string | null }): Promise<TemplateMatch | null> {
    const recording = await this.templates.recording(tx, created.userId, created.recordingId);
    if (!recording) return null;
    const now = this.clock.now();
    if (created.templateId) {
      const explicit = await this.templates.find(tx, created.userId, created.templateId);
      if (explicit) {
        await this.templates.bind(tx, recording.id, explicit.id, now);
        await this.templates.used(tx, explicit.id, 1, now);
        return null;
      }
    }
    const hit = firstMatch(await this.templates.list(tx, created.userId), recording);
    if (!hit) return null;
    await this.templates.bind(tx, recording.id, hit.template.id, now);
    await this.templates.used(tx, hit.template.id, 1, now);
    return matchView(recording, hit.reason, hit.template.id);
  }

  // ---- config layers ----

  async resolve(tx: Transaction, q: ResolveConfig): Promise<ConfigResolved> {
    const resolved = resolveLayers(await this.layers(tx, q.userId, q.recordingId || null, q.templateId || null));
    return {
      effective: resolved.effective as JsonObject,
      sources: resolved.sources,
      layers: resolved.layers.map((l) => ({ name: l.name, ...(l.templateId ? { templateId: l.templateId } : {}), config: l.config as JsonObject, ...(l.run ? { run: true } : {}) })),
    };
  }

  /** The layers of a recording (or of the default and a runtime template alone), lowest first. */
  async layers(tx: Transaction, userId: string, recordingId: string | null, runtimeTemplateId: string | null): Promise<ConfigLayer[]> {
    const base = await this.ensureDefault(tx, userId);
    const layers: ConfigLayer[] = [{ name: 'default_template', templateId: base.id, config: layerOf(base) }];
    const recording = recordingId ? await this.ownedRecording(tx, userId, recordingId) : null;
    if (recording?.templateId) {
      const bound = await this.templates.find(tx, userId, recording.templateId);
      if (bound && !bound.isDefault) layers.push({ name: 'bound_template', templateId: bound.id, config: layerOf(bound) });
    }
    if (runtimeTemplateId) {
      const runtime = await this.owned(tx, userId, runtimeTemplateId);
      layers.push({ name: 'runtime_template', templateId: runtime.id, config: layerOf(runtime) });
    } else if (recording?.runtimeTemplateId) {
      // The template the last run gave for itself (a deleted template leaves the layer out).
      const runtime = await this.templates.find(tx, userId, recording.runtimeTemplateId);
      if (runtime) layers.push({ name: 'runtime_template', templateId: runtime.id, config: layerOf(runtime), run: true });
    }
    if (recording) {
      layers.push({ name: 'recording_preferences', config: recording.processingPreferences });
      // The manual override is what the last run gave (its body, an automation job's or a bulk
      // run's config), marked `run`; it lasts until the next run that gives some, or a reset.
      const run = recording.runOverride ?? {};
      layers.push({ name: 'manual_override', config: run, ...(Object.keys(run).length > 0 ? { run: true } : {}) });
    }
    return layers;
  }

  /**
   * What the TRANSCRIBE stage takes from a recording's effective config: the language (none lets
   * the provider detect it) and the vocabulary (`transcription.vocabulary` and
   * `transcriptionVocabulary` together). A recording gone meanwhile gets the default template's.
   */
  async transcriptionOptions(tx: Transaction, userId: string, recordingId: string): Promise<{ language?: string; vocabulary: string[] }> {
    const processing = await this.effectiveProcessing(tx, userId, recordingId);
    const transcription = (processing.transcription ?? {}) as { language?: unknown; vocabulary?: unknown };
    const words = [...(Array.isArray(transcription.vocabulary) ? transcription.vocabulary : []), ...(Array.isArray(processing.transcriptionVocabulary) ? processing.transcriptionVocabulary : [])];
    const vocabulary = [...new Set(words.filter((w): w is string => typeof w === 'string' && w.trim() !== ''))];
    return { ...(typeof transcription.language === 'string' && transcription.language ? { language: transcription.language } : {}), vocabulary };
  }

  /**
   * The effective processing config of a recording (its layers merged), which decides the stages
   * it runs and their settings (pipeline/stage-settings.ts). A recording gone meanwhile gets the
   * default template's.
   */
  async effectiveProcessing(tx: Transaction, userId: string, recordingId: string): Promise<JsonObject> {
    return (await this.effective(tx, userId, recordingId)).processing;
  }

  /** The effective output config of a recording: the presets it publishes to when it names none of its own (pipeline/output-config.ts). */
  async effectiveOutput(tx: Transaction, userId: string, recordingId: string): Promise<JsonObject> {
    return (await this.effective(tx, userId, recordingId)).output;
  }

  /**
   * What an upload takes from a recording's effective config: its template metadata (laid over
   * the preset's by the publishing service) and `output.uploadCaptions` when a layer sets it.
   */
  async uploadSettings(tx: Transaction, userId: string, recordingId: string): Promise<{ templateMetadata: JsonObject; uploadCaptions?: boolean }> {
    const { metadata, output } = await this.effective(tx, userId, recordingId);
    return { templateMetadata: metadata, ...(typeof output.uploadCaptions === 'boolean' ? { uploadCaptions: output.uploadCaptions } : {}) };
  }

  private async effective(tx: Transaction, userId: string, recordingId: string) {
    const live = await this.templates.recording(tx, userId, recordingId);
    return resolveLayers(await this.layers(tx, userId, live ? recordingId : null, null)).effective;
  }

  /**
   * The recording's preferences (patched or cleared) and its template binding. `override` and
   * `clearOverride`, the fields' earlier names, are read as `preferences` and `clearPreferences`.
   */
  async changeRecordingConfig(tx: Transaction, q: ChangeRecordingConfig): Promise<RecordingConfigChanged> {
    const recording = await this.ownedRecording(tx, q.userId, q.recordingId, true);
    const now = this.clock.now();
    const patch = q.preferences ?? q.override;
    const clear = q.clearPreferences || q.clearOverride;
    let preferences = recording.processingPreferences;
    if (clear) preferences = {};
    if (patch) {
      checkedOverride(patch);
      preferences = applyPatch(preferences as JsonObject, patch) as LayeredConfig;
      checkedOverride(preferences);
    }
    if (clear || patch) await this.templates.setPreferences(tx, recording.id, preferences, now);
    let templateId = recording.templateId;
    if (q.bindTemplateId) {
      templateId = (await this.owned(tx, q.userId, q.bindTemplateId)).id;
      await this.templates.bind(tx, recording.id, templateId, now);
      if (templateId !== recording.templateId) await this.templates.used(tx, templateId, 1, now);
    } else if (q.unbind) {
      templateId = null;
      await this.templates.bind(tx, recording.id, null, now);
    }
    const stored = preferences as JsonObject;
    return { recordingId: recording.id, ...(templateId ? { templateId } : {}), isMapped: templateId !== null, preferences: stored, override: stored };
  }

  // ---- helpers ----

  private apply(row: TemplateRow, fields: TemplateFields): void {
    if (fields.name !== undefined) row.name = fields.name;
    if (fields.description !== undefined) row.description = fields.description.trim();
    if (fields.isDraft !== undefined) row.isDraft = fields.isDraft;
    if (fields.isActive !== undefined) row.isActive = fields.isActive;
    if (fields.priority !== undefined) row.priority = fields.priority;
    if (fields.matchingRules !== undefined) row.matchingRules = fields.matchingRules;
    if (fields.processingConfig !== undefined) row.processingConfig = fields.processingConfig as JsonObject;
    if (fields.metadataConfig !== undefined) row.metadataConfig = fields.metadataConfig as JsonObject;
    if (fields.outputConfig !== undefined) row.outputConfig = fields.outputConfig as JsonObject;
  }

  private async checkName(tx: Transaction, row: TemplateRow): Promise<void> {
    if (await this.templates.nameTaken(tx, row.userId, row.name, row.id)) {
      throw new LeapError('TEMPLATE.DUPLICATE', `You already have a template named ${row.name}`, { status: 409 });
    }
  }

  private async owned(tx: Transaction, userId: string, id: string): Promise<TemplateRow> {
    const row = await this.templates.find(tx, userId, id);
    if (!row) throw new LeapError('TEMPLATE.NOT_FOUND', `There is no template ${id}`, { status: 404 });
    return row;
  }

  private async ownedRecording(tx: Transaction, userId: string, id: string, lock = false): Promise<RecordingConfigRow> {
    const row = await this.templates.recording(tx, userId, id, lock);
    if (!row) throw new LeapError('INGEST.RECORDING_NOT_FOUND', `There is no recording ${id}`, { status: 404 });
    return row;
  }
}

