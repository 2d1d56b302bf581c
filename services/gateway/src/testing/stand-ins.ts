/**
 * In-process stand-ins of the services the gateway talks to over the bus (ingest, quota): each
 * records what the gateway sends it, or answers it the way the spec says.
 */
import { randomUUID } from 'node:crypto';
import { Injectable, Module, type Type } from '@nestjs/common';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import { LeapError } from '@leap/errors';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import {
  MESSAGE_TYPES,
  type CheckUsage,
  type UsageChecked,
  type DeleteProviderCredential,
  type ListProviderCredentials,
  type ProviderCredential,
  type ProviderCredentialDeleteResult,
  type ProviderCredentialList,
  type ProviderCredentialSetResult,
  type SetProviderCredential,
  type CopyPreset,
  type ConnectAccount,
  type RetractTarget,
  type RetractTargetResult,
  type ConnectAccountResult,
  type CreateCredential,
  type CreateSourceCredential,
  type CreateSource,
  type DeleteSource,
  type GetSource,
  type GetSourceSync,
  type InputSource,
  type ListSources,
  type SourceCreated,
  type SourceDeleted,
  type SourceFound,
  type SourcesPage,
  type SourceSync,
  type SourceSyncFound,
  type SourceSyncsStarted,
  type SourceUpdated,
  type SyncSources,
  type UpdateSource,
  type CredentialDeleted,
  type CredentialFound,
  type CredentialsPage,
  type CredentialUpdated,
  type DeleteCredential,
  type GetCredential,
  type BrowseYandexDisk,
  type GetSourceCredential,
  type ListCredentials,
  type PlatformCredential,
  type SourceCredentialCreated,
  type SourceCredentialFound,
  type SourceCredentialsPage,
  type UpdateCredential,
  type OutputTargetsPage,
  type StartUpload,
  type StartUploadResult,
  type CreateCredentialResult,
  type CopyPresetResult,
  type CreatePreset,
  type CreatePresetResult,
  type DeletePresets,
  type DeletePresetsResult,
  type GetPreset,
  type ListPresets,
  type OutputPreset,
  type PresetFound,
  type PresetPreview,
  type PresetsPage,
  type RenderPresetPreview,
  type UpdatePreset,
  type UpdatePresetResult,
  type PauseRecording,
  type PauseResult,
  type ReleaseReservation,
  type ReservationDecision,
  type RerunStage,
  type RerunStageResult,
  type ReserveRecording,
  type RunRecording,
  type RunResult,
  type ResetRecording,
  type ResetResult,
  type ChangeRecordingConfig,
  type ConfigResolved,
  type CopyTemplate,
  type CreateTemplateFromRecording,
  type DeleteTemplates,
  type GetTemplate,
  type GetTemplateStats,
  type PreviewTemplateMatch,
  type RecordingConfigChanged,
  type RecordingTemplate,
  type RematchTemplate,
  type ResolveConfig,
  type SaveTemplate,
  type SetDefaultTemplate,
  type TemplateCopied,
  type TemplateCreatedFromRecording,
  type TemplateDefaultSet,
  type TemplateFound,
  type TemplateMatchPreview,
  type TemplateRematched,
  type TemplateSaved,
  type TemplatesDeleted,
  type TemplateStats,
  type AutomationJob,
  type AutomationJobCopied,
  type AutomationJobDeleted,
  type AutomationJobFound,
  type AutomationJobRunResult,
  type AutomationJobSaved,
  type AutomationJobsPage,
  type AutomationLimitsFound,
  type AutomationRunsPage,
  type CopyAutomationJob,
  type DeleteAutomationJob,
  type GetAutomationJob,
  type GetAutomationLimits,
  type ListAutomationJobs,
  type ListAutomationRuns,
  type RunAutomationJob,
  type SaveAutomationJob,
} from '@leap/contracts';

const standInSchema = baseConfigSchema.extend({ PORT: z.coerce.number().default(0) });

/** A service named `name` whose handlers (in `module`) consume the message `types` from `queue`. */
export function standInService(name: string, queue: string, types: string[], module: Type<unknown>): ServiceDefinition {
  return { name, configSchema: standInSchema, consumers: [{ queue, types }], imports: [module] };
}

/** How an ingest stand-in answers pause and run (throw a `LeapError` with a status to refuse). */
export interface IngestControl {
  pause?: (query: PauseRecording) => PauseResult | Promise<PauseResult>;
  run?: (query: RunRecording) => RunResult | Promise<RunResult>;
  reset?: (query: ResetRecording) => ResetResult | Promise<ResetResult>;
  /**
   * Answers config resolutions (an upload by hand asks for the recording's); without it the
   * stand-in resolves only recordings registered through it, to an empty config.
   */
  resolveConfig?: (query: ResolveConfig) => ConfigResolved | Promise<ConfigResolved>;
  /** A re-run of one stage; `ctx` sends what the stage would start, in the reply's transaction. */
  rerun?: (query: RerunStage, ctx: MessageContext<RerunStage>) => RerunStageResult | Promise<RerunStageResult>;
}

/**
 * Stands in for ingest: hands every command the gateway sends it (register an upload, delete) to
 * `onCommand`, and answers pause, run, reset and stage re-runs with `control` (a spec that does not
 * expect them leaves it out).
 */
export function ingestStandIn(onCommand: (ctx: MessageContext<any>) => void, control: IngestControl = {}): ServiceDefinition {
  const unexpected = (type: string) => new LeapError('TEST.UNEXPECTED', `The ingest stand-in was not told to answer ${type}`, { status: 500 });
  const sources = new Map<string, InputSource>();
  const syncsById = new Map<string, SourceSync>();
  const templates = new Map<string, RecordingTemplate>();
  /** Recording id → owner, from the registrations the stand-in was sent. */
  const recordingOwners = new Map<string, string>();
  const ownTemplate = (userId: string, id: string): RecordingTemplate => {
    const template = templates.get(id);
    if (template?.userId !== userId) throw new LeapError('TEMPLATE.NOT_FOUND', `There is no template ${id}`, { status: 404 });
    return template;
  };
  const ownRecording = (userId: string, id: string): void => {
    if (recordingOwners.get(id) !== userId) throw new LeapError('INGEST.RECORDING_NOT_FOUND', `There is no recording ${id}`, { status: 404 });
  };
  const automationJobs = new Map<string, AutomationJob>();
  const ownJob = (userId: string, id: string): AutomationJob => {
    const job = automationJobs.get(id);
    if (job?.userId !== userId) throw new LeapError('AUTOMATION.NOT_FOUND', `There is no automation job ${id}`, { status: 404 });
    return job;
  };
  const ownSource = (userId: string, id: string): InputSource => {
    const source = sources.get(id);
    if (source?.userId !== userId) throw new LeapError('SOURCE.NOT_FOUND', `There is no source ${id}`, { status: 404 });
    return source;
  };

  @Injectable()
  class IngestCommandsProbe {
    @MessageHandler(MESSAGE_TYPES.ingest.RegisterUploadedRecording, { queue: 'ingest.commands' })
    async registerUploaded(ctx: MessageContext<{ recordingId: string; userId: string }>): Promise<void> {
      recordingOwners.set(ctx.data.recordingId, ctx.data.userId);
      onCommand(ctx);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.DeleteRecording, { queue: 'ingest.commands' })
    async delete(ctx: MessageContext<unknown>): Promise<void> {
      onCommand(ctx);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.PauseRecording, { queue: 'ingest.commands' })
    async pause(ctx: MessageContext<PauseRecording>): Promise<PauseResult> {
      onCommand(ctx);
      if (!control.pause) throw unexpected(ctx.envelope.type);
      return control.pause(ctx.data);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.RunRecording, { queue: 'ingest.commands' })
    async run(ctx: MessageContext<RunRecording>): Promise<RunResult> {
      onCommand(ctx);
      if (!control.run) throw unexpected(ctx.envelope.type);
      return control.run(ctx.data);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.ResetRecording, { queue: 'ingest.commands' })
    async reset(ctx: MessageContext<ResetRecording>): Promise<ResetResult> {
      onCommand(ctx);
      if (!control.reset) throw unexpected(ctx.envelope.type);
      return control.reset(ctx.data);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.RerunStage, { queue: 'ingest.commands' })
    async rerun(ctx: MessageContext<RerunStage>): Promise<RerunStageResult> {
      onCommand(ctx);
      if (!control.rerun) throw unexpected(ctx.envelope.type);
      return control.rerun(ctx.data, ctx);
    }

    // Input sources, kept in memory per user; syncs are answered, never run.
    @MessageHandler(MESSAGE_TYPES.ingest.CreateSource, { queue: 'ingest.commands' })
    async createSource(ctx: MessageContext<CreateSource>): Promise<SourceCreated> {
      const now = new Date().toISOString();
      const { userId, name, platform, description, config } = ctx.data;
      const source: InputSource = { id: randomUUID(), userId, name, platform, description: description ?? '', config: config ?? {}, isActive: true, createdAt: now, updatedAt: now };
      sources.set(source.id, source);
      return { source };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.ListSources, { queue: 'ingest.commands' })
    async listSources(ctx: MessageContext<ListSources>): Promise<SourcesPage> {
      return { sources: [...sources.values()].filter((x) => x.userId === ctx.data.userId) };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.GetSource, { queue: 'ingest.commands' })
    async getSource(ctx: MessageContext<GetSource>): Promise<SourceFound> {
      return { source: ownSource(ctx.data.userId, ctx.data.sourceId) };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.UpdateSource, { queue: 'ingest.commands' })
    async updateSource(ctx: MessageContext<UpdateSource>): Promise<SourceUpdated> {
      const source = ownSource(ctx.data.userId, ctx.data.sourceId);
      if (ctx.data.name) source.name = ctx.data.name;
      return { source };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.DeleteSource, { queue: 'ingest.commands' })
    async deleteSource(ctx: MessageContext<DeleteSource>): Promise<SourceDeleted> {
      return { deleted: sources.get(ctx.data.sourceId)?.userId === ctx.data.userId && sources.delete(ctx.data.sourceId) };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.SyncSources, { queue: 'ingest.commands' })
    async syncSources(ctx: MessageContext<SyncSources>): Promise<SourceSyncsStarted> {
      const { userId, fromDate, toDate } = ctx.data;
      const syncs = (ctx.data.sourceIds ?? []).map((id) => {
        ownSource(userId, id);
        const sync: SourceSync = { id: randomUUID(), sourceId: id, userId, status: 'QUEUED', fromDate, toDate, createdAt: new Date().toISOString() };
        syncsById.set(sync.id, sync);
        return sync;
      });
      return { syncs };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.GetSourceSync, { queue: 'ingest.commands' })
    async getSync(ctx: MessageContext<GetSourceSync>): Promise<SourceSyncFound> {
      const sync = syncsById.get(ctx.data.syncId);
      if (sync?.userId !== ctx.data.userId) throw new LeapError('SYNC.NOT_FOUND', `There is no sync ${ctx.data.syncId}`, { status: 404 });
      return { sync };
    }

    // Templates, kept in memory per user; matching and config layers are answered, never computed.
    @MessageHandler(MESSAGE_TYPES.ingest.SaveTemplate, { queue: 'ingest.commands' })
    async saveTemplate(ctx: MessageContext<SaveTemplate>): Promise<TemplateSaved> {
      const { userId, templateId, fields = {} } = ctx.data;
      const now = new Date().toISOString();
      const template = templateId ? ownTemplate(userId, templateId) : { id: randomUUID(), userId, name: '', createdAt: now, updatedAt: now };
      Object.assign(template, fields, { updatedAt: now });
      templates.set(template.id, template);
      return { template };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.GetTemplate, { queue: 'ingest.commands' })
    async getTemplate(ctx: MessageContext<GetTemplate>): Promise<TemplateFound> {
      return { template: ownTemplate(ctx.data.userId, ctx.data.templateId ?? '') };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.CopyTemplate, { queue: 'ingest.commands' })
    async copyTemplate(ctx: MessageContext<CopyTemplate>): Promise<TemplateCopied> {
      const copy = { ...ownTemplate(ctx.data.userId, ctx.data.templateId), id: randomUUID(), isDraft: true };
      templates.set(copy.id, copy);
      return { template: copy };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.SetDefaultTemplate, { queue: 'ingest.commands' })
    async setDefaultTemplate(ctx: MessageContext<SetDefaultTemplate>): Promise<TemplateDefaultSet> {
      return { template: ownTemplate(ctx.data.userId, ctx.data.templateId) };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.DeleteTemplates, { queue: 'ingest.commands' })
    async deleteTemplates(ctx: MessageContext<DeleteTemplates>): Promise<TemplatesDeleted> {
      const ids = ctx.data.templateIds ?? [];
      const deleted = ids.filter((id) => templates.get(id)?.userId === ctx.data.userId && templates.delete(id));
      return { deleted, notFound: ids.filter((id) => !deleted.includes(id)), unboundRecordings: 0 };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.GetTemplateStats, { queue: 'ingest.commands' })
    async templateStats(ctx: MessageContext<GetTemplateStats>): Promise<TemplateStats> {
      return { templateId: ownTemplate(ctx.data.userId, ctx.data.templateId).id, totalRecordings: 0, byStatus: {}, usedCount: 0 };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.PreviewTemplateMatch, { queue: 'ingest.commands' })
    async previewMatch(ctx: MessageContext<PreviewTemplateMatch>): Promise<TemplateMatchPreview> {
      ownTemplate(ctx.data.userId, ctx.data.templateId);
      return { examined: 0, matches: [] };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.RematchTemplate, { queue: 'ingest.commands' })
    async rematch(ctx: MessageContext<RematchTemplate>): Promise<TemplateRematched> {
      ownTemplate(ctx.data.userId, ctx.data.templateId);
      return { examined: 0, bound: [] };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.CreateTemplateFromRecording, { queue: 'ingest.commands' })
    async fromRecording(ctx: MessageContext<CreateTemplateFromRecording>): Promise<TemplateCreatedFromRecording> {
      ownRecording(ctx.data.userId, ctx.data.recordingId);
      const now = new Date().toISOString();
      const template: RecordingTemplate = { id: randomUUID(), userId: ctx.data.userId, name: ctx.data.name, createdAt: now, updatedAt: now };
      templates.set(template.id, template);
      return { template };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.ResolveConfig, { queue: 'ingest.commands' })
    async resolveConfig(ctx: MessageContext<ResolveConfig>): Promise<ConfigResolved> {
      if (control.resolveConfig) return control.resolveConfig(ctx.data);
      if (ctx.data.recordingId) ownRecording(ctx.data.userId, ctx.data.recordingId);
      if (ctx.data.templateId) ownTemplate(ctx.data.userId, ctx.data.templateId);
      return { effective: { processing: {}, metadata: {}, output: {} }, sources: {}, layers: [] };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.ChangeRecordingConfig, { queue: 'ingest.commands' })
    async changeRecordingConfig(ctx: MessageContext<ChangeRecordingConfig>): Promise<RecordingConfigChanged> {
      ownRecording(ctx.data.userId, ctx.data.recordingId);
      if (ctx.data.bindTemplateId) ownTemplate(ctx.data.userId, ctx.data.bindTemplateId);
      return { recordingId: ctx.data.recordingId, ...(ctx.data.bindTemplateId ? { templateId: ctx.data.bindTemplateId } : {}), isMapped: !!ctx.data.bindTemplateId, preferences: ctx.data.preferences ?? {} };
    }

    // Automation jobs, kept in memory per user; runs are answered, never started.
    @MessageHandler(MESSAGE_TYPES.ingest.SaveAutomationJob, { queue: 'ingest.commands' })
    async saveAutomationJob(ctx: MessageContext<SaveAutomationJob>): Promise<AutomationJobSaved> {
      const { userId, jobId, fields = {} } = ctx.data;
      const now = new Date().toISOString();
      const job = jobId ? ownJob(userId, jobId) : { id: randomUUID(), userId, name: '', schedule: {}, isActive: true, createdAt: now, updatedAt: now };
      const { name, description, schedule, isActive } = fields as Partial<AutomationJob>;
      Object.assign(job, { ...(name ? { name } : {}), ...(description ? { description } : {}), ...(schedule ? { schedule } : {}), ...(isActive !== undefined ? { isActive } : {}), updatedAt: now });
      automationJobs.set(job.id, job);
      return { job };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.CopyAutomationJob, { queue: 'ingest.commands' })
    async copyAutomationJob(ctx: MessageContext<CopyAutomationJob>): Promise<AutomationJobCopied> {
      const original = ownJob(ctx.data.userId, ctx.data.jobId);
      const copy = { ...original, id: randomUUID(), name: `${original.name} (copy)`, isActive: false };
      automationJobs.set(copy.id, copy);
      return { job: copy };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.GetAutomationJob, { queue: 'ingest.commands' })
    async getAutomationJob(ctx: MessageContext<GetAutomationJob>): Promise<AutomationJobFound> {
      return { job: ownJob(ctx.data.userId, ctx.data.jobId) };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.ListAutomationJobs, { queue: 'ingest.commands' })
    async listAutomationJobs(ctx: MessageContext<ListAutomationJobs>): Promise<AutomationJobsPage> {
      const mine = [...automationJobs.values()].filter((j) => j.userId === ctx.data.userId);
      return { jobs: mine.slice(ctx.data.offset ?? 0, (ctx.data.offset ?? 0) + (ctx.data.limit || 20)), total: mine.length };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.DeleteAutomationJob, { queue: 'ingest.commands' })
    async deleteAutomationJob(ctx: MessageContext<DeleteAutomationJob>): Promise<AutomationJobDeleted> {
      return { deleted: automationJobs.get(ctx.data.jobId)?.userId === ctx.data.userId && automationJobs.delete(ctx.data.jobId) };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.ListAutomationRuns, { queue: 'ingest.commands' })
    async listAutomationRuns(ctx: MessageContext<ListAutomationRuns>): Promise<AutomationRunsPage> {
      ownJob(ctx.data.userId, ctx.data.jobId);
      return { runs: [], total: 0 };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.RunAutomationJob, { queue: 'ingest.commands' })
    async runAutomationJob(ctx: MessageContext<RunAutomationJob>): Promise<AutomationJobRunResult> {
      const job = ownJob(ctx.data.userId, ctx.data.jobId);
      if (ctx.data.dryRun) return { dryRun: { sources: 0, recordings: 0, matched: 0, started: 0 } };
      return { run: { id: randomUUID(), jobId: job.id, trigger: 'MANUAL', status: 'SUCCEEDED', startedAt: new Date().toISOString() } };
    }

    // Source credentials: the stand-in keeps none (a created one is answered, not kept).
    @MessageHandler(MESSAGE_TYPES.ingest.ListSourceCredentials, { queue: 'ingest.commands' })
    async listCredentials(): Promise<SourceCredentialsPage> {
      return { credentials: [] };
    }

    @MessageHandler(MESSAGE_TYPES.ingest.GetSourceCredential, { queue: 'ingest.commands' })
    async getCredential(ctx: MessageContext<GetSourceCredential>): Promise<SourceCredentialFound> {
      throw new LeapError('CREDENTIAL.NOT_FOUND', `No credential ${ctx.data.credentialId}`, { status: 404 });
    }

    @MessageHandler(MESSAGE_TYPES.ingest.BrowseYandexDisk, { queue: 'ingest.commands' })
    async browseYandexDisk(ctx: MessageContext<BrowseYandexDisk>): Promise<never> {
      throw new LeapError('CREDENTIAL.NOT_FOUND', `No credential ${ctx.data.credentialId}`, { status: 404 });
    }

    @MessageHandler(MESSAGE_TYPES.ingest.CreateSourceCredential, { queue: 'ingest.commands' })
    async createCredential(ctx: MessageContext<CreateSourceCredential>): Promise<SourceCredentialCreated> {
      const now = new Date().toISOString();
      const { userId, platform, accountName } = ctx.data;
      return { created: true, credential: { id: randomUUID(), userId, platform, accountName, kind: 'oauth', hints: {}, needsReauth: false, isActive: true, createdAt: now, updatedAt: now } };
    }

    // The stand-in keeps no Zoom secret token: every Zoom webhook is refused as ingest refuses a forgery.
    @MessageHandler(MESSAGE_TYPES.ingest.ReceiveZoomWebhook, { queue: 'ingest.commands' })
    async zoomWebhook(): Promise<never> {
      throw new LeapError('ZOOM_WEBHOOK.SIGNATURE_INVALID', 'No Zoom credential signed this webhook', { status: 401 });
    }
  }

  @Module({ providers: [IngestCommandsProbe] })
  class IngestProbeModule {}

  return standInService(
    'ingest',
    'ingest.commands',
    [
      MESSAGE_TYPES.ingest.RegisterUploadedRecording,
      MESSAGE_TYPES.ingest.DeleteRecording,
      MESSAGE_TYPES.ingest.PauseRecording,
      MESSAGE_TYPES.ingest.RunRecording,
      MESSAGE_TYPES.ingest.ResetRecording,
      MESSAGE_TYPES.ingest.RerunStage,
      MESSAGE_TYPES.ingest.ListSourceCredentials,
      MESSAGE_TYPES.ingest.GetSourceCredential,
      MESSAGE_TYPES.ingest.BrowseYandexDisk,
      MESSAGE_TYPES.ingest.CreateSourceCredential,
      MESSAGE_TYPES.ingest.CreateSource,
      MESSAGE_TYPES.ingest.ListSources,
      MESSAGE_TYPES.ingest.GetSource,
      MESSAGE_TYPES.ingest.UpdateSource,
      MESSAGE_TYPES.ingest.DeleteSource,
      MESSAGE_TYPES.ingest.SyncSources,
      MESSAGE_TYPES.ingest.GetSourceSync,
      MESSAGE_TYPES.ingest.ReceiveZoomWebhook,
      MESSAGE_TYPES.ingest.SaveTemplate,
      MESSAGE_TYPES.ingest.GetTemplate,
      MESSAGE_TYPES.ingest.CopyTemplate,
      MESSAGE_TYPES.ingest.SetDefaultTemplate,
      MESSAGE_TYPES.ingest.DeleteTemplates,
      MESSAGE_TYPES.ingest.GetTemplateStats,
      MESSAGE_TYPES.ingest.PreviewTemplateMatch,
      MESSAGE_TYPES.ingest.RematchTemplate,
      MESSAGE_TYPES.ingest.CreateTemplateFromRecording,
      MESSAGE_TYPES.ingest.ResolveConfig,
      MESSAGE_TYPES.ingest.ChangeRecordingConfig,
      MESSAGE_TYPES.ingest.SaveAutomationJob,
      MESSAGE_TYPES.ingest.CopyAutomationJob,
      MESSAGE_TYPES.ingest.GetAutomationJob,
      MESSAGE_TYPES.ingest.ListAutomationJobs,
      MESSAGE_TYPES.ingest.DeleteAutomationJob,
      MESSAGE_TYPES.ingest.ListAutomationRuns,
      MESSAGE_TYPES.ingest.RunAutomationJob,
    ],
    IngestProbeModule,
  );
}

/**
 * Stands in for quota: `reserve` decides every reservation the gateway asks for; `release` sees
 * every release; `automationLimits` answers a user's automation limits (default: no plan);
 * `checkUsage` answers the monthly usage checks (default: granted).
 */
export function quotaStandIn(handlers: {
  reserve: (ask: ReserveRecording) => ReservationDecision;
  release: (release: ReleaseReservation) => void;
  automationLimits?: (ask: GetAutomationLimits) => AutomationLimitsFound;
  /** Answers a usage check (monthly transcriptions, processing); default: granted, unlimited. */
  checkUsage?: (ask: CheckUsage) => UsageChecked;
}): ServiceDefinition {
  @Injectable()
  class FakeQuota {
    @MessageHandler(MESSAGE_TYPES.quota.GetAutomationLimits, { queue: 'quota.admission' })
    async automationLimits(ctx: MessageContext<GetAutomationLimits>): Promise<AutomationLimitsFound> {
      return handlers.automationLimits ? handlers.automationLimits(ctx.data) : { subscribed: false };
    }

    @MessageHandler(MESSAGE_TYPES.quota.ReserveRecording, { queue: 'quota.admission' })
    async reserve(ctx: MessageContext<ReserveRecording>): Promise<ReservationDecision> {
      return handlers.reserve(ctx.data);
    }

    @MessageHandler(MESSAGE_TYPES.quota.CheckUsage, { queue: 'quota.admission' })
    async checkUsage(ctx: MessageContext<CheckUsage>): Promise<UsageChecked> {
      return handlers.checkUsage ? handlers.checkUsage(ctx.data) : { granted: true, metric: ctx.data.metric, used: '0', period: new Date().toISOString().slice(0, 7) };
    }

    @MessageHandler(MESSAGE_TYPES.quota.ReleaseReservation, { queue: 'quota.admission' })
    async release(ctx: MessageContext<ReleaseReservation>): Promise<void> {
      handlers.release(ctx.data);
    }
  }

  @Module({ providers: [FakeQuota] })
  class FakeQuotaModule {}

  return standInService('quota', 'quota.admission', [MESSAGE_TYPES.quota.ReserveRecording, MESSAGE_TYPES.quota.ReleaseReservation, MESSAGE_TYPES.quota.GetAutomationLimits, MESSAGE_TYPES.quota.CheckUsage], FakeQuotaModule);
}

/**
 * Stands in for publishing's preset queries: keeps presets in memory per user, and answers another
 * user's preset id as the real service does (404 `PRESET.NOT_FOUND`).
 */
export function publishingStandIn(): ServiceDefinition {
  const presets = new Map<string, OutputPreset>();
  const credentials = new Map<string, PlatformCredential>();
  const notFound = (id: string) => new LeapError('PRESET.NOT_FOUND', `There is no preset ${id}`, { status: 404 });
  const own = (userId: string, id: string): OutputPreset => {
    const preset = presets.get(id);
    if (!preset || preset.userId !== userId) throw notFound(id);
    return preset;
  };
  const save = (preset: OutputPreset): OutputPreset => {
    presets.set(preset.id, preset);
    return preset;
  };
  const fresh = (userId: string, fields: Pick<OutputPreset, 'name' | 'platform'> & Partial<OutputPreset>): OutputPreset => {
    const now = new Date().toISOString();
    return { metadata: {}, isActive: true, description: '', ...fields, id: randomUUID(), userId, createdAt: now, updatedAt: now };
  };

  @Injectable()
  class FakePresets {
    @MessageHandler(MESSAGE_TYPES.publishing.ListPresets, { queue: 'publishing.requests' })
    async list(ctx: MessageContext<ListPresets>): Promise<PresetsPage> {
      const mine = [...presets.values()].filter((p) => p.userId === ctx.data.userId);
      return { presets: mine.slice(ctx.data.offset ?? 0, (ctx.data.offset ?? 0) + (ctx.data.limit || 20)), total: mine.length };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.StartUpload, { queue: 'publishing.requests' })
    async startUpload(ctx: MessageContext<StartUpload>): Promise<StartUploadResult> {
      const now = new Date().toISOString();
      const { userId, recordingId, platform, presetId } = ctx.data;
      if (presetId) own(userId, presetId);
      return { target: { id: randomUUID(), userId, recordingId, platform, ...(presetId ? { presetId } : {}), status: 'QUEUED', attempts: 0, createdAt: now, updatedAt: now } };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.RetractTarget, { queue: 'publishing.requests' })
    async retract(ctx: MessageContext<RetractTarget>): Promise<RetractTargetResult> {
      throw new LeapError('TARGET.NOT_FOUND', `Recording ${ctx.data.recordingId} has no target ${ctx.data.targetId}`, { status: 404 });
    }

    @MessageHandler(MESSAGE_TYPES.publishing.ListOutputTargets, { queue: 'publishing.requests' })
    async listTargets(): Promise<OutputTargetsPage> {
      return { targets: [] };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.CreateCredential, { queue: 'publishing.requests' })
    async createCredential(ctx: MessageContext<CreateCredential>): Promise<CreateCredentialResult> {
      const now = new Date().toISOString();
      const { userId, platform, accountName } = ctx.data;
      const credential = { id: randomUUID(), userId, platform, accountName, needsReauth: false, isActive: true, createdAt: now, updatedAt: now };
      credentials.set(credential.id, credential);
      return { created: true, credential };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.ListCredentials, { queue: 'publishing.requests' })
    async listCredentials(ctx: MessageContext<ListCredentials>): Promise<CredentialsPage> {
      return { credentials: [...credentials.values()].filter((c) => c.userId === ctx.data.userId) };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.GetCredential, { queue: 'publishing.requests' })
    async getCredential(ctx: MessageContext<GetCredential>): Promise<CredentialFound> {
      const credential = credentials.get(ctx.data.credentialId);
      if (credential?.userId !== ctx.data.userId) throw new LeapError('CREDENTIAL.NOT_FOUND', `No credential ${ctx.data.credentialId}`, { status: 404 });
      return { credential };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.UpdateCredential, { queue: 'publishing.requests' })
    async updateCredential(ctx: MessageContext<UpdateCredential>): Promise<CredentialUpdated> {
      const credential = credentials.get(ctx.data.credentialId);
      if (credential?.userId !== ctx.data.userId) throw new LeapError('CREDENTIAL.NOT_FOUND', `No credential ${ctx.data.credentialId}`, { status: 404 });
      if (ctx.data.accountName) credential.accountName = ctx.data.accountName;
      if (ctx.data.isActive) credential.isActive = ctx.data.isActive === 'true';
      return { credential };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.DeleteCredential, { queue: 'publishing.requests' })
    async deleteCredential(ctx: MessageContext<DeleteCredential>): Promise<CredentialDeleted> {
      const credential = credentials.get(ctx.data.credentialId);
      return { deleted: credential?.userId === ctx.data.userId && credentials.delete(ctx.data.credentialId) };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.ConnectAccount, { queue: 'publishing.requests' })
    async connect(ctx: MessageContext<ConnectAccount>): Promise<ConnectAccountResult> {
      const now = new Date().toISOString();
      const { userId, platform } = ctx.data;
      return { created: true, credential: { id: randomUUID(), userId, platform, accountName: 'connected@example.org', needsReauth: false, isActive: true, createdAt: now, updatedAt: now } };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.RenderPresetPreview, { queue: 'publishing.requests' })
    async preview(ctx: MessageContext<RenderPresetPreview>): Promise<PresetPreview> {
      if (ctx.data.presetId) own(ctx.data.userId, ctx.data.presetId);
      return { title: 'Preview', description: '', titleTruncated: false, descriptionTruncated: false };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.CreatePreset, { queue: 'publishing.requests' })
    async create(ctx: MessageContext<CreatePreset>): Promise<CreatePresetResult> {
      const { userId, name, platform, metadata } = ctx.data;
      return { preset: save(fresh(userId, { name, platform, metadata: metadata ?? {} })) };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.GetPreset, { queue: 'publishing.requests' })
    async get(ctx: MessageContext<GetPreset>): Promise<PresetFound> {
      return { preset: own(ctx.data.userId, ctx.data.presetId) };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.UpdatePreset, { queue: 'publishing.requests' })
    async update(ctx: MessageContext<UpdatePreset>): Promise<UpdatePresetResult> {
      const preset = own(ctx.data.userId, ctx.data.presetId);
      return { preset: save({ ...preset, ...(ctx.data.name ? { name: ctx.data.name } : {}), updatedAt: new Date().toISOString() }) };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.CopyPreset, { queue: 'publishing.requests' })
    async copy(ctx: MessageContext<CopyPreset>): Promise<CopyPresetResult> {
      const preset = own(ctx.data.userId, ctx.data.presetId);
      return { preset: save(fresh(ctx.data.userId, { ...preset, name: ctx.data.name || `${preset.name} (copy)` })) };
    }

    @MessageHandler(MESSAGE_TYPES.publishing.DeletePresets, { queue: 'publishing.requests' })
    async delete(ctx: MessageContext<DeletePresets>): Promise<DeletePresetsResult> {
      const deletedIds: string[] = [];
      const notFoundIds: string[] = [];
      for (const id of ctx.data.presetIds) {
        if (presets.get(id)?.userId === ctx.data.userId && presets.delete(id)) deletedIds.push(id);
        else notFoundIds.push(id);
      }
      return { deletedIds, notFoundIds };
    }
  }

  @Module({ providers: [FakePresets] })
  class FakePresetsModule {}

  return standInService(
    'publishing',
    'publishing.requests',
    [
      MESSAGE_TYPES.publishing.ListPresets,
      MESSAGE_TYPES.publishing.RenderPresetPreview,
      MESSAGE_TYPES.publishing.CreateCredential,
      MESSAGE_TYPES.publishing.ConnectAccount,
      MESSAGE_TYPES.publishing.ListCredentials,
      MESSAGE_TYPES.publishing.GetCredential,
      MESSAGE_TYPES.publishing.UpdateCredential,
      MESSAGE_TYPES.publishing.DeleteCredential,
      MESSAGE_TYPES.publishing.StartUpload,
      MESSAGE_TYPES.publishing.ListOutputTargets,
      MESSAGE_TYPES.publishing.RetractTarget,
      MESSAGE_TYPES.publishing.CreatePreset,
      MESSAGE_TYPES.publishing.GetPreset,
      MESSAGE_TYPES.publishing.UpdatePreset,
      MESSAGE_TYPES.publishing.CopyPreset,
      MESSAGE_TYPES.publishing.DeletePresets,
    ],
    FakePresetsModule,
  );
}

/**
 * Stands in for the transcription service's provider-key requests: keeps per user and provider
 * what may be shown of a key (the sealed key is not opened here).
 */
export function transcriptionStandIn(): ServiceDefinition {
  const keys = new Map<string, ProviderCredential>();
  const queue = 'transcription.provider-credentials';

  @Injectable()
  class FakeProviderKeys {
    @MessageHandler(MESSAGE_TYPES.transcription.SetProviderCredential, { queue })
    async set(ctx: MessageContext<SetProviderCredential>): Promise<ProviderCredentialSetResult> {
      const id = `${ctx.data.userId}:${ctx.data.provider}`;
      const now = new Date().toISOString();
      const before = keys.get(id);
      const credential = { provider: ctx.data.provider, keyHint: '…', createdAt: before?.createdAt ?? now, updatedAt: now };
      keys.set(id, credential);
      return { credential, created: !before };
    }

    @MessageHandler(MESSAGE_TYPES.transcription.ListProviderCredentials, { queue })
    async list(ctx: MessageContext<ListProviderCredentials>): Promise<ProviderCredentialList> {
      return { credentials: [...keys.entries()].filter(([id]) => id.startsWith(`${ctx.data.userId}:`)).map(([, c]) => c) };
    }

    @MessageHandler(MESSAGE_TYPES.transcription.DeleteProviderCredential, { queue })
    async delete(ctx: MessageContext<DeleteProviderCredential>): Promise<ProviderCredentialDeleteResult> {
      return { deleted: keys.delete(`${ctx.data.userId}:${ctx.data.provider}`) };
    }
  }

  @Module({ providers: [FakeProviderKeys] })
  class FakeProviderKeysModule {}

  return standInService(
    'transcription',
    queue,
    [MESSAGE_TYPES.transcription.SetProviderCredential, MESSAGE_TYPES.transcription.ListProviderCredentials, MESSAGE_TYPES.transcription.DeleteProviderCredential],
    FakeProviderKeysModule,
  );
}
