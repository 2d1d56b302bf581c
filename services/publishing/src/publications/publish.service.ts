import { Inject, Injectable } from '@nestjs/common';
import { ObjectKind, Platform, type ObjectRef, type PublishingFailed, type PublishRecording, type RecordingPublished, type SubtitleTranslation } from '@leap/contracts';
import type { StageFailure } from '@leap/jobs';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import type { ObjectStore } from '@leap/storage-client';
import { LocalExportService } from '../local-export/local-export.service';
import { PublicationsRepository, type Transaction } from './publications.repository';
import { PresetsRepository } from '../presets/presets.repository';
import { localMetadataSchema, parseMetadata, type PresetMetadata, type PresetPlatform, type VkMetadata, type YandexDiskMetadata, type YoutubeMetadata } from '../presets/preset-metadata';
import { CredentialsRepository, type CredentialRow } from '../credentials/credentials.repository';
import { CREDENTIAL_VAULT, type CredentialVault, type PlatformTokens } from '../credentials/credential-vault';
import { MetadataTemplates, TemplateError, type TemplateErrorCode } from '../templating/template-engine';
import { templateField, withTemplateMetadata } from '../templating/template-metadata';
import { renderMetadata, type RenderedMetadata } from '../templating/render-metadata';
import { recordingFacts } from '../templating/recording-facts';
import { isTimeZone } from '../templating/template-variables';
import { YoutubePublisher } from '../platforms/youtube/youtube.publisher';
import { YandexDiskPublisher } from '../platforms/yandex-disk/yandex-disk.publisher';
import { VkPublisher } from '../platforms/vk/vk.publisher';
import { PLATFORM_GATES, type PlatformGates } from '../platforms/platforms.module';

/** What a finished publish records, in the transaction that completes its job. */
export type PublishCommit = (tx: Transaction) => Promise<RecordingPublished>;

export interface PublishOptions {
  signal?: AbortSignal;
  /** Share of the work done (0 to 1) and what is under way. */
  onProgress?: (fraction: number, step: string) => void;
}

const refuse = (code: string, message: string, status = 422) => new LeapError(code, message, { retryable: false, status });

/** The collaborators of the platform uploads (publishing to YouTube and VK, and the presets and credentials behind it). */
export interface PublishPlatforms {
  presets: PresetsRepository;
  credentials: CredentialsRepository;
  vault: CredentialVault;
  templates: MetadataTemplates;
  youtube: YoutubePublisher;
  yandexDisk: YandexDiskPublisher;
  vk: VkPublisher;
  gates: PlatformGates;
  store: ObjectStore;
}

/** A credential's tokens for one job: refreshed ones stored at once, every API call within the account's gate. */
export interface PlatformAccount {
  tokens: PlatformTokens;
  onRefreshed(tokens: PlatformTokens): Promise<void>;
  throttle<T>(call: () => Promise<T>): Promise<T>;
}

const PLATFORM_TITLES: Record<string, string> = { youtube: 'YouTube', vk_video: 'VK', yandex_disk: 'Yandex Disk' };

/**
 * Publishes a recording to one output target, with no transaction open, and returns how to
 * record the publication (in the transaction that completes the job). Errors are thrown: the
 * job's stage helper (`runStageJob` of @leap/jobs) has `failed` record one that trying again
 * cannot fix (bad input, a platform not available, a revoked account) at once, and the job runner
 * tries again after any other, until `failed` records `PUBLISHING.RETRIES_EXHAUSTED`.
 */
@Injectable()
export class PublishService {
  private readonly platforms: PublishPlatforms;

  constructor(
    private readonly localExport: LocalExportService,
    private readonly publications: PublicationsRepository,
    presets: PresetsRepository,
    credentials: CredentialsRepository,
    @Inject(CREDENTIAL_VAULT) vault: CredentialVault,
    templates: MetadataTemplates,
    youtube: YoutubePublisher,
    @Inject(OBJECT_STORE) store: ObjectStore,
    yandexDisk: YandexDiskPublisher,
    vk: VkPublisher,
    @Inject(PLATFORM_GATES) gates: PlatformGates,
  ) {
    this.platforms = { presets, credentials, vault, templates, youtube, yandexDisk, vk, gates, store };
  }

  async publish(command: PublishRecording, options: PublishOptions = {}): Promise<PublishCommit> {
    const { recordingId, userId, targetId, platform } = command;
    await this.publications.markUploading(recordingId, targetId);
    if (platform === Platform.LOCAL) return this.exportLocally(command, options);
    if (platform === Platform.YANDEX_DISK) return this.publishToYandexDisk(command, options);
    if (platform === Platform.VK) return this.publishToVk(command, options);
    if (platform !== Platform.YOUTUBE) {
      throw new LeapError('PUBLISHING.PLATFORM_UNAVAILABLE', `Publishing to ${platform} is not available yet`, { retryable: false, status: 501 });
    }
    const { metadata, credentialId, sources } = await this.uploadMetadataOf(command, 'youtube');
    const credential = await this.credentialOf(userId, 'youtube', credentialId);
    const { rendered, language } = await this.render(command, 'youtube', metadata, sources);
    const account = await this.account(credential, 'youtube', options.signal);
    const published = await this.platforms.youtube.publish({
      ...uploadFiles(command),
      metadata: metadata as YoutubeMetadata,
      rendered,
      ...(language ? { language } : {}),
      tokens: account.tokens,
      onRefreshed: account.onRefreshed,
      throttle: account.throttle,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    return this.commitPublished(command, published.url, published.videoId);
  }

  private async publishToVk(command: PublishRecording, options: PublishOptions): Promise<PublishCommit> {
    const { metadata, credentialId, sources } = await this.uploadMetadataOf(command, 'vk_video');
    const credential = await this.credentialOf(command.userId, 'vk_video', credentialId);
    const { rendered } = await this.render(command, 'vk_video', metadata, sources);
    const account = await this.account(credential, 'vk_video', options.signal);
    const published = await this.platforms.vk.publish({ objects: uploadFiles(command).objects, metadata: metadata as VkMetadata, rendered, account, signal: options.signal, onProgress: options.onProgress });
    return this.commitPublished(command, published.url, published.externalId);
  }

  private commitPublished(command: PublishRecording, url: string, externalId: string): PublishCommit {
    const { recordingId, userId, targetId, platform } = command;
    const publishedAt = new Date();
    return async (tx) => {
      await this.publications.record(tx, { recordingId, targetId, userId, platform: platformName(platform), status: 'PUBLISHED', url, externalId, publishedAt, presetId: command.presetId || undefined });
      return { recordingId, userId, targetId, platform, url, externalId, publishedAt: publishedAt.toISOString() };
    };
  }

  /** The preset's credential, usable: it exists, is the user's, and has not been refused by the platform. */
  async credentialOf(userId: string, platform: 'youtube' | 'vk_video' | 'yandex_disk', credentialId: string | null): Promise<CredentialRow> {
    const title = PLATFORM_TITLES[platform];
    if (!credentialId) throw refuse('CREDENTIAL.MISSING', `The preset names no ${title} credential`);
    const credential = await this.platforms.credentials.find(undefined, userId, credentialId);
    if (!credential) throw refuse('CREDENTIAL.NOT_FOUND', `There is no credential ${credentialId}`);
    if (credential.needsReauth) {
      throw new LeapError('CREDENTIAL.NEEDS_REAUTH', `The ${title} account "${credential.accountName}" has to be connected again`, { retryable: false, status: 401, details: { needsReauth: true } });
    }
    return credential;
  }

  /** The credential's tokens for this job, with the account's gate around each call; a refreshed token is stored at once (the next job does not refresh again). */
  async account(credential: CredentialRow, platform: 'youtube' | 'vk_video', signal?: AbortSignal): Promise<PlatformAccount> {
    const tokens = this.platforms.vault.open(credential.id, credential.sealedTokens);
    await this.platforms.credentials.touch(credential.id);
    const gate = this.platforms.gates[platform];
    return {
      tokens,
      onRefreshed: async (fresh) => void (await this.platforms.credentials.replaceTokens(undefined, credential.id, this.platforms.vault.seal(credential.id, fresh), { reconnected: false })),
      throttle: (call) => gate.run(credential.id, call, signal),
    };
  }

  /** A Yandex Disk credential's tokens for one job (the disk client refreshes them itself); a refreshed token is stored at once. */
  async diskAccount(credential: CredentialRow): Promise<Pick<PlatformAccount, 'tokens' | 'onRefreshed'>> {
    const tokens = this.platforms.vault.open(credential.id, credential.sealedTokens);
    await this.platforms.credentials.touch(credential.id);
    return {
      tokens,
      onRefreshed: async (fresh) => void (await this.platforms.credentials.replaceTokens(undefined, credential.id, this.platforms.vault.seal(credential.id, fresh), { reconnected: false })),
    };
  }

  /**
   * Uploads to Yandex Disk: the preset's folder and file name templates, its overwrite rule, and a
   * public link as the target's URL when it publishes (otherwise the file's disk path is the
   * target's location).
   */
  private async publishToYandexDisk(command: PublishRecording, options: PublishOptions): Promise<PublishCommit> {
    const { recordingId, userId, targetId, platform } = command;
    const { metadata, credentialId, sources } = await this.uploadMetadataOf(command, 'yandex_disk');
    const credential = await this.credentialOf(userId, 'yandex_disk', credentialId);
    const { rendered } = await this.render(command, 'yandex_disk', metadata, sources);
    const { tokens, onRefreshed } = await this.diskAccount(credential);
    const uploaded = await this.platforms.yandexDisk.publish({
      ...uploadFiles(command),
      metadata: metadata as YandexDiskMetadata,
      rendered,
      tokens,
      onRefreshed,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    const publishedAt = new Date();
    const where = uploaded.publicUrl ? { url: uploaded.publicUrl } : { location: uploaded.path };
    return async (tx) => {
      await this.publications.record(tx, {
        recordingId,
        targetId,
        userId,
        platform: platformName(platform),
        status: 'PUBLISHED',
        ...where,
        externalId: uploaded.path,
        publishedAt,
        presetId: command.presetId || undefined,
        sidecars: uploaded.sidecars,
      });
      return { recordingId, userId, targetId, platform, ...where, externalId: uploaded.path, publishedAt: publishedAt.toISOString() };
    };
  }

  private async exportLocally(command: PublishRecording, options: PublishOptions): Promise<PublishCommit> {
    const { recordingId, userId, targetId, platform } = command;
    const { metadata, sources } = await this.uploadMetadataOf(command, 'local');
    const { rendered } = await this.render(command, 'local', metadata, sources);
    const exported = await this.localExport.export(
      { userId, recordingId, targetId, ...uploadFiles(command), variables: command.variables, rendered: { title: rendered.title, description: rendered.description } },
      options,
    );
    const publishedAt = new Date(exported.metadata.exportedAt);
    const externalId = `${userId}/${recordingId}`;
    return async (tx) => {
      await this.publications.record(tx, { recordingId, targetId, userId, platform: platformName(platform), status: 'PUBLISHED', location: exported.location, externalId, publishedAt, presetId: command.presetId || undefined });
      return { recordingId, userId, targetId, platform, location: exported.location, externalId, publishedAt: publishedAt.toISOString() };
    };
  }

  /** The command's preset, checked: it exists, is the user's, is for this platform, and its metadata still parses. */
  async presetOf(command: Pick<PublishRecording, 'presetId' | 'userId'>, platform: PresetPlatform): Promise<{ metadata: PresetMetadata; credentialId: string | null }> {
    if (!command.presetId) throw refuse('PRESET.REQUIRED', `Publishing to ${platform} needs a preset`);
    const preset = await this.platforms.presets.find(undefined, command.userId, command.presetId);
    if (!preset) throw refuse('PRESET.NOT_FOUND', `There is no preset ${command.presetId}`, 404);
    if (preset.platform !== platform) throw refuse('PRESET.INVALID', `Preset ${preset.id} is for ${preset.platform}, not ${platform}`);
    const parsed = parseMetadata(platform, preset.metadata);
    if (!parsed.ok) throw refuse('PRESET.INVALID', parsed.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    return { metadata: parsed.value, credentialId: preset.credentialId };
  }

  /**
   * The metadata an upload renders: the preset's (none for a local export without one), with the
   * recording's template metadata laid over it (templating/template-metadata.ts) and checked
   * against the platform's schema again. A template value the platform's preset cannot take
   * fails the target, naming the template's field.
   */
  async uploadMetadataOf(
    command: Pick<PublishRecording, 'presetId' | 'userId' | 'templateMetadata'>,
    platform: PresetPlatform,
  ): Promise<{ metadata: PresetMetadata; credentialId: string | null; sources: Record<string, string> }> {
    const preset = platform === 'local' && !command.presetId ? { metadata: localMetadataSchema.parse({}), credentialId: null } : await this.presetOf(command, platform);
    const layered = withTemplateMetadata(platform, preset.metadata, command.templateMetadata);
    if (Object.keys(layered.sources).length === 0) return { ...preset, sources: {} };
    const parsed = parseMetadata(platform, layered.metadata);
    if (!parsed.ok) {
      throw refuse('PUBLISHING.TEMPLATE_METADATA_INVALID', `The recording's template metadata does not fit the ${platform} upload: ${parsed.problems.map((p) => `${templateField(p.field, layered.sources)}: ${p.message}`).join('; ')}`);
    }
    return { metadata: parsed.value, credentialId: preset.credentialId, sources: layered.sources };
  }

  /**
   * The title and description for this recording: its variables and, when the command passes it,
   * its topics document. A template that does not render fails the target (not retryable), named
   * as the template's field when the template set it.
   */
  private async render(command: PublishRecording, platform: PresetPlatform, metadata: PresetMetadata, sources: Record<string, string> = {}): Promise<{ rendered: RenderedMetadata; language?: string }> {
    const topics = command.objects.find((o) => o.kind === ObjectKind.TOPICS);
    const topicsJson = topics ? (await this.platforms.store.getBuffer(topics.key).catch(() => undefined))?.toString('utf8') : undefined;
    const variables = command.variables ?? {};
    const facts = recordingFacts(command.recordingId, variables, topicsJson, new Date());
    const timeZone = variables.time_zone && isTimeZone(variables.time_zone) ? variables.time_zone : 'UTC';
    let rendered: RenderedMetadata;
    try {
      rendered = await renderMetadata(this.platforms.templates, platform, metadata, facts, timeZone);
    } catch (error) {
      const field = error instanceof TemplateError ? error.field : undefined;
      const named = field ? templateField(field, sources) : undefined;
      if (!(error instanceof TemplateError) || !field || !named || named === field) throw error;
      throw new TemplateError(error.code as TemplateErrorCode, `${error.message.slice(field.length + 2)} (the recording's template)`, named);
    }
    return { rendered, ...(facts.language ? { language: facts.language } : {}) };
  }

  /**
   * The publication failed (at once, or once the job will not be tried again): records it and
   * returns the stage's failed event. A revoked account marks its credential `needs_reauth` in the
   * same transaction, so the user sees it and only this target fails.
   */
  async failed(tx: Transaction, command: PublishRecording, error: StageFailure): Promise<PublishingFailed> {
    const { recordingId, userId, targetId, platform } = command;
    await this.publications.record(tx, {
      recordingId,
      targetId,
      userId,
      platform: platformName(platform),
      status: 'FAILED',
      errorCode: error.code,
      errorMessage: error.message,
      presetId: command.presetId || undefined,
    });
    const needsReauth = error.code === 'PUBLISHING.CREDENTIAL_REVOKED' || error.code === 'CREDENTIAL.NEEDS_REAUTH';
    if (error.code === 'PUBLISHING.CREDENTIAL_REVOKED' && command.presetId) {
      const preset = await this.platforms.presets.find(tx, userId, command.presetId);
      if (preset?.credentialId) await this.platforms.credentials.markNeedsReauth(tx, preset.credentialId);
    }
    return { recordingId, userId, targetId, platform, error, ...(needsReauth ? { needsReauth: true } : {}) };
  }
}

const SUBTITLE_KINDS = new Set<ObjectRef['kind']>([ObjectKind.SUBTITLES_SRT, ObjectKind.SUBTITLES_VTT]);

/**
 * The files an upload sends: the command's objects and translated subtitles, without any
 * subtitles when the recording's config turns caption uploads off (`uploadCaptions: false`).
 */
export function uploadFiles(command: Pick<PublishRecording, 'objects' | 'uploadCaptions' | 'translations'>): { objects: ObjectRef[]; translations: SubtitleTranslation[] } {
  if (command.uploadCaptions === false) return { objects: command.objects.filter((o) => !SUBTITLE_KINDS.has(o.kind)), translations: [] };
  return { objects: command.objects, translations: (command.translations ?? []).filter((t) => t.language && (t.srt || t.vtt)) };
}

function platformName(platform: Platform): string {
  return String(platform).replace(/^PLATFORM_/, '');
}
