import { Inject, Injectable } from '@nestjs/common';
import type {
  CopyPreset,
  CreatePreset,
  DeletePresets,
  DeletePresetsResult,
  GetPreset,
  ListPresets,
  OutputPreset,
  PresetPreview,
  PresetsPage,
  RenderPresetPreview,
  UpdatePreset,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { isPresetPlatform, parseMetadata, PRESET_PLATFORMS, type PresetMetadata, type PresetPlatform } from './preset-metadata';
import { PresetNameTaken, PresetsRepository, type PresetRow, type Transaction } from './presets.repository';
import { MetadataTemplates } from '../templating/template-engine';
import { renderMetadata, SAMPLE_RECORDING, templatesOf, validateTemplates } from '../templating/render-metadata';
import { withTemplateMetadata } from '../templating/template-metadata';
import { isTimeZone, type RecordingFacts } from '../templating/template-variables';
import { CREDENTIAL_CHECK, type CredentialCheck } from './credential-check';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { recordingFacts } from '../templating/recording-facts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function presetNotFound(id: string): LeapError {
  return new LeapError('PRESET.NOT_FOUND', `There is no preset ${id}`, { retryable: false, status: 404 });
}

function invalidPreset(message: string): LeapError {
  return new LeapError('PRESET.INVALID', message, { retryable: false, status: 422 });
}

function nameTaken(name: string): LeapError {
  return new LeapError('PRESET.NAME_TAKEN', `You already have a preset named "${name}"`, { retryable: false, status: 409 });
}

/** The preset as the bus carries it. */
export function presetView(row: PresetRow): OutputPreset {
  return {
    id: row.id,
    userId: row.userId,
    name: row.name,
    description: row.description,
    platform: row.platform,
    ...(row.credentialId ? { credentialId: row.credentialId } : {}),
    metadata: row.metadata,
    isActive: row.isActive,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

/**
 * Output presets (the reference's `/presets`): typed metadata per platform, checked on every save
 * (its schema, then its templates: they parse, a title uses a variable, they render within their
 * limits), a credential that must be one of the owner's for that platform, names unique per user.
 */
@Injectable()
export class PresetsService {
  constructor(
    private readonly presets: PresetsRepository,
    private readonly templates: MetadataTemplates,
    @Inject(CREDENTIAL_CHECK) private readonly credentials: CredentialCheck,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
  ) {}

  async list(tx: Transaction, q: ListPresets): Promise<PresetsPage> {
    const platforms = q.platforms ?? [];
    const unknown = platforms.filter((p) => !isPresetPlatform(p));
    if (unknown.length > 0) throw invalidPreset(`Unknown platform ${unknown.join(', ')}; one of ${PRESET_PLATFORMS.join(', ')}`);
    const { rows, total } = await this.presets.list(tx, q.userId, {
      platforms,
      search: q.search?.trim() || undefined,
      isActive: q.isActive,
      limit: Math.min(Math.max(q.limit || 20, 1), 100),
      offset: Math.max(q.offset ?? 0, 0),
    });
    return { presets: rows.map(presetView), total };
  }

  async get(tx: Transaction, q: GetPreset): Promise<OutputPreset> {
    return presetView(await this.row(tx, q.userId, q.presetId));
  }

  async create(tx: Transaction, q: CreatePreset): Promise<OutputPreset> {
    if (!isPresetPlatform(q.platform)) throw invalidPreset(`Unknown platform ${q.platform}; one of ${PRESET_PLATFORMS.join(', ')}`);
    const name = this.name(q.name);
    const metadata = await this.metadata(q.platform, q.metadata);
    const credentialId = await this.credential(tx, q.userId, q.platform, q.credentialId);
    try {
      const row = await this.presets.insert(tx, {
        userId: q.userId,
        name,
        description: q.description ?? '',
        platform: q.platform,
        credentialId,
        metadata: metadata as Record<string, unknown>,
        isActive: q.isActive ?? true,
      });
      return presetView(row);
    } catch (error) {
      if (error instanceof PresetNameTaken) throw nameTaken(name);
      throw error;
    }
  }

  async update(tx: Transaction, q: UpdatePreset): Promise<OutputPreset> {
    const current = await this.row(tx, q.userId, q.presetId);
    const name = q.name === undefined ? undefined : this.name(q.name);
    const metadata = q.metadata === undefined ? undefined : await this.metadata(current.platform, q.metadata);
    const credentialId = q.credentialId === undefined ? undefined : await this.credential(tx, q.userId, current.platform, q.credentialId);
    try {
      const row = await this.presets.update(tx, q.userId, q.presetId, {
        name,
        description: q.description,
        credentialId,
        metadata: metadata as Record<string, unknown> | undefined,
        isActive: q.isActive,
      });
      if (!row) throw presetNotFound(q.presetId);
      return presetView(row);
    } catch (error) {
      if (error instanceof PresetNameTaken) throw nameTaken(name ?? current.name);
      throw error;
    }
  }

  /** A copy under the given name, or `<name> (copy)`, `<name> (copy 2)`, ... whichever is free. */
  async copy(tx: Transaction, q: CopyPreset): Promise<OutputPreset> {
    const source = await this.row(tx, q.userId, q.presetId);
    let name = q.name ? this.name(q.name) : '';
    if (!name) {
      for (let n = 1; n < 1000; n++) {
        const candidate = this.name(`${source.name} (copy${n > 1 ? ` ${n}` : ''})`.slice(-200));
        if (!(await this.presets.nameTaken(tx, q.userId, candidate))) {
          name = candidate;
          break;
        }
      }
    }
    try {
      const { userId, description, platform, credentialId, metadata, isActive } = source;
      return presetView(await this.presets.insert(tx, { userId, name, description, platform, credentialId, metadata, isActive }));
    } catch (error) {
      if (error instanceof PresetNameTaken) throw nameTaken(name);
      throw error;
    }
  }

  async delete(tx: Transaction, q: DeletePresets): Promise<DeletePresetsResult> {
    const ids = [...new Set(q.presetIds)];
    const valid = ids.filter((id) => UUID.test(id));
    const deleted = valid.length > 0 ? await this.presets.delete(tx, q.userId, valid) : [];
    return { deletedIds: deleted, notFoundIds: ids.filter((id) => !deleted.includes(id)) };
  }

  /** Renders a saved preset, or the metadata given, against the variables given or a sample recording. */
  async preview(tx: Transaction, q: RenderPresetPreview): Promise<PresetPreview> {
    let platform: PresetPlatform;
    let metadata: PresetMetadata;
    if (q.presetId) {
      const row = await this.row(tx, q.userId, q.presetId);
      platform = row.platform;
      metadata = await this.metadata(row.platform, row.metadata, { render: false });
    } else {
      if (!q.platform || !isPresetPlatform(q.platform)) throw invalidPreset(`Give a presetId, or a platform (one of ${PRESET_PLATFORMS.join(', ')}) and metadata`);
      platform = q.platform;
      // A template's metadata goes over the given metadata as it goes over an upload's preset.
      metadata = await this.metadata(platform, q.templateMetadata ? withTemplateMetadata(platform, q.metadata ?? {}, q.templateMetadata).metadata : q.metadata, { render: false });
    }
    const timeZone = q.timeZone || 'UTC';
    if (!isTimeZone(timeZone)) throw invalidPreset(`timeZone: ${timeZone} is not an IANA time zone, e.g. Europe/Moscow`);
    const facts = q.recordingId ? await this.recordingPreviewFacts(q) : previewFacts(q.variables);
    const rendered = await renderMetadata(this.templates, platform, metadata, facts, timeZone);
    return {
      title: rendered.title,
      description: rendered.description,
      ...(rendered.folderPath !== undefined ? { folderPath: rendered.folderPath } : {}),
      ...(rendered.filename !== undefined ? { filename: rendered.filename } : {}),
      titleTruncated: rendered.titleTruncated,
      descriptionTruncated: rendered.descriptionTruncated,
    };
  }

  /**
   * A real recording, as an upload sees it: the variables its publish command carries and the
   * active version of its topics document, read from the store (only under the recording's own
   * prefix) the way an upload reads it. A document that cannot be read leaves the topics out.
   */
  private async recordingPreviewFacts(q: RenderPresetPreview): Promise<RecordingFacts> {
    const variables = Object.fromEntries(Object.entries(q.variables ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'));
    let topicsJson: string | undefined;
    if (q.topicsKey) {
      if (!UUID.test(q.recordingId!) || !q.topicsKey.startsWith(storageKeys.recordingPrefix(q.userId, q.recordingId!)) || q.topicsKey.includes('..')) {
        throw invalidPreset(`topicsKey: ${q.topicsKey} is not a file of recording ${q.recordingId}`);
      }
      topicsJson = (await this.store.getBuffer(q.topicsKey).catch(() => undefined))?.toString('utf8');
    }
    return recordingFacts(q.recordingId!, variables, topicsJson, new Date());
  }

  private async row(tx: Transaction, userId: string, id: string): Promise<PresetRow> {
    const row = UUID.test(id) ? await this.presets.find(tx, userId, id) : null;
    if (!row) throw presetNotFound(id);
    return row;
  }

  private name(value: string): string {
    const name = value.trim();
    if (!name || name.length > 200) throw invalidPreset('name: must be 1 to 200 characters');
    return name;
  }

  /** The metadata checked against the platform's schema and, unless told otherwise, its templates rendered once. */
  private async metadata(platform: PresetPlatform, input: unknown, options: { render?: boolean } = {}): Promise<PresetMetadata> {
    const parsed = parseMetadata(platform, input);
    if (!parsed.ok) throw invalidPreset(parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    if (options.render === false) {
      for (const { field, source, title } of templatesOf(parsed.value)) {
        this.templates.validate(source, { field, requireVariable: title });
      }
    } else {
      await validateTemplates(this.templates, platform, parsed.value);
    }
    return parsed.value;
  }

  private async credential(tx: Transaction, userId: string, platform: PresetPlatform, credentialId: string | undefined): Promise<string | null> {
    if (!credentialId) return null;
    if (platform === 'local') throw invalidPreset('credentialId: a local export needs no credential');
    if (!UUID.test(credentialId) || !(await this.credentials.belongsTo(tx, userId, platform, credentialId))) {
      throw new LeapError('CREDENTIAL.NOT_FOUND', `credentialId: you have no ${platform} credential ${credentialId}`, { retryable: false, status: 422 });
    }
    return credentialId;
  }
}

/** The recording a preview renders: the sample, with whatever the caller gave in its place. */
export function previewFacts(variables: Record<string, unknown> | undefined): RecordingFacts {
  const v = variables ?? {};
  const text = (key: string): string | undefined => (typeof v[key] === 'string' ? (v[key] as string) : undefined);
  const list = (key: string): Array<{ text: string; start?: number }> | undefined =>
    Array.isArray(v[key])
      ? (v[key] as unknown[]).map((item) =>
          typeof item === 'object' && item !== null
            ? { text: String((item as Record<string, unknown>).text ?? (item as Record<string, unknown>).title ?? ''), ...(typeof (item as Record<string, unknown>).start === 'number' ? { start: (item as Record<string, number>).start } : {}) }
            : { text: String(item) },
        )
      : undefined;
  const date = (key: string): Date | undefined => {
    const value = text(key);
    const parsed = value ? new Date(value) : undefined;
    return parsed && !Number.isNaN(parsed.getTime()) ? parsed : undefined;
  };
  return {
    recordingId: text('recording_id') ?? SAMPLE_RECORDING.recordingId,
    displayName: text('display_name') ?? SAMPLE_RECORDING.displayName,
    originalTitle: text('original_title') ?? SAMPLE_RECORDING.originalTitle,
    durationSeconds: typeof v.duration === 'number' ? v.duration : SAMPLE_RECORDING.durationSeconds,
    summary: text('summary') ?? SAMPLE_RECORDING.summary,
    mainTopics: Array.isArray(v.themes) ? (v.themes as unknown[]).map(String) : SAMPLE_RECORDING.mainTopics,
    topics: list('topics') ?? SAMPLE_RECORDING.topics,
    questions: list('questions') ?? SAMPLE_RECORDING.questions,
    recordedAt: date('recorded_at') ?? SAMPLE_RECORDING.recordedAt,
    publishedAt: date('published_at') ?? new Date(),
  };
}
