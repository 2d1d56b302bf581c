import type { MessageCatalog as MessagingCatalog } from '@leap/messaging';
import { buildCatalog, DEFAULT_PROTO_DIR, loadCatalogFromProtoDirectory } from './catalog';
import type { ContractDefinition } from './contract-types';
import { catalog, jsonSchemaFor, validatePayload } from './default-catalog';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { MESSAGE_TYPES } from './generated/messages';
import { RecordingTrimmedSchema } from './generated/pb/leap/media/v1/events_pb';
import type { RecordingTrimmed } from './generated/payloads';
import { compileSources, header, inlineCatalog, removeModule, tempModule } from './test-support/protos';

/** Every message of the catalogue, as the services use them. */
const EXPECTED = [
  ['gateway.user.registered.v1', 'event', 'gateway', 'leap.gateway.v1.UserRegistered'],
  ['gateway.webhook.disabled.v1', 'event', 'gateway', 'leap.gateway.v1.WebhookSubscriptionDisabled'],
  ['ingest.recording.register-uploaded.v1', 'command', 'ingest', 'leap.ingest.v1.RegisterUploadedRecording'],
  ['ingest.recording.delete.v1', 'command', 'ingest', 'leap.ingest.v1.DeleteRecording'],
  ['ingest.recording.download.v1', 'command', 'ingest', 'leap.ingest.v1.DownloadRecording'],
  ['ingest.source.sync.v1', 'command', 'ingest', 'leap.ingest.v1.SyncSource'],
  ['ingest.recording.registered.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingRegistered'],
  ['ingest.recording.status-changed.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingStatusChanged'],
  ['ingest.pipeline.started.v1', 'event', 'ingest', 'leap.ingest.v1.PipelineStarted'],
  ['ingest.stage.status-changed.v1', 'event', 'ingest', 'leap.ingest.v1.StageStatusChanged'],
  ['ingest.recording.deleted.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingDeleted'],
  ['ingest.recording.restored.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingRestored'],
  ['ingest.recording.purged.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingPurged'],
  ['ingest.recording.hard-deleted.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingHardDeleted'],
  ['ingest.recording.was-reset.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingReset'],
  ['ingest.recording.paused.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingPaused'],
  ['ingest.recording.downloaded.v1', 'event', 'ingest', 'leap.ingest.v1.RecordingDownloaded'],
  ['ingest.progress.v1', 'event', 'ingest', 'leap.ingest.v1.IngestProgress'],
  ['ingest.recording.pause.v1', 'query', 'ingest', 'leap.ingest.v1.PauseRecording'],
  ['ingest.recording.run.v1', 'query', 'ingest', 'leap.ingest.v1.RunRecording'],
  ['ingest.stage.rerun.v1', 'query', 'ingest', 'leap.ingest.v1.RerunStage'],
  ['ingest.stage.rerun-result.v1', 'reply', 'ingest', 'leap.ingest.v1.RerunStageResult'],
  ['ingest.recording.restore.v1', 'query', 'ingest', 'leap.ingest.v1.RestoreRecording'],
  ['ingest.recording.restore-result.v1', 'reply', 'ingest', 'leap.ingest.v1.RestoreResult'],
  ['ingest.recording.reset.v1', 'query', 'ingest', 'leap.ingest.v1.ResetRecording'],
  ['ingest.recording.reset-result.v1', 'reply', 'ingest', 'leap.ingest.v1.ResetResult'],
  ['ingest.recordings.lookup.v1', 'query', 'ingest', 'leap.ingest.v1.LookupRecordings'],
  ['ingest.recordings.found.v1', 'reply', 'ingest', 'leap.ingest.v1.RecordingsFound'],
  ['ingest.recording.pause-result.v1', 'reply', 'ingest', 'leap.ingest.v1.PauseResult'],
  ['ingest.recording.run-result.v1', 'reply', 'ingest', 'leap.ingest.v1.RunResult'],
  ['ingest.recordings.control.v1', 'query', 'ingest', 'leap.ingest.v1.ControlRecordings'],
  ['ingest.recordings.controlled.v1', 'reply', 'ingest', 'leap.ingest.v1.RecordingsControlled'],
  ['ingest.recording.add-url.v1', 'query', 'ingest', 'leap.ingest.v1.AddRecordingFromUrl'],
  ['ingest.recording.add-url-result.v1', 'reply', 'ingest', 'leap.ingest.v1.AddRecordingFromUrlResult'],
  ['ingest.recording.add-playlist.v1', 'query', 'ingest', 'leap.ingest.v1.AddRecordingsFromPlaylist'],
  ['ingest.recording.add-playlist-result.v1', 'reply', 'ingest', 'leap.ingest.v1.AddRecordingsFromPlaylistResult'],
  ['ingest.recording.preview-formats.v1', 'query', 'ingest', 'leap.ingest.v1.PreviewFormats'],
  ['ingest.recording.formats-preview.v1', 'reply', 'ingest', 'leap.ingest.v1.FormatsPreview'],
  ['ingest.jobs.list.v1', 'query', 'ingest', 'leap.ingest.v1.ListIngestJobs'],
  ['ingest.jobs.page.v1', 'reply', 'ingest', 'leap.ingest.v1.IngestJobsPage'],
  ['ingest.credential.create.v1', 'query', 'ingest', 'leap.ingest.v1.CreateSourceCredential'],
  ['ingest.credential.update.v1', 'query', 'ingest', 'leap.ingest.v1.UpdateSourceCredential'],
  ['ingest.credential.get.v1', 'query', 'ingest', 'leap.ingest.v1.GetSourceCredential'],
  ['ingest.account.connect.v1', 'query', 'ingest', 'leap.ingest.v1.ConnectSourceAccount'],
  ['ingest.account.connected.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceAccountConnected'],
  ['ingest.credential.created.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceCredentialCreated'],
  ['ingest.credential.updated.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceCredentialUpdated'],
  ['ingest.credential.found.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceCredentialFound'],
  ['ingest.credentials.list.v1', 'query', 'ingest', 'leap.ingest.v1.ListSourceCredentials'],
  ['ingest.credentials.page.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceCredentialsPage'],
  ['ingest.credential.delete.v1', 'query', 'ingest', 'leap.ingest.v1.DeleteSourceCredential'],
  ['ingest.credential.deleted.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceCredentialDeleted'],
  ['ingest.source.create.v1', 'query', 'ingest', 'leap.ingest.v1.CreateSource'],
  ['ingest.source.created.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceCreated'],
  ['ingest.source.update.v1', 'query', 'ingest', 'leap.ingest.v1.UpdateSource'],
  ['ingest.source.updated.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceUpdated'],
  ['ingest.source.get.v1', 'query', 'ingest', 'leap.ingest.v1.GetSource'],
  ['ingest.source.found.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceFound'],
  ['ingest.sources.list.v1', 'query', 'ingest', 'leap.ingest.v1.ListSources'],
  ['ingest.sources.page.v1', 'reply', 'ingest', 'leap.ingest.v1.SourcesPage'],
  ['ingest.source.delete.v1', 'query', 'ingest', 'leap.ingest.v1.DeleteSource'],
  ['ingest.source.deleted.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceDeleted'],
  ['ingest.sources.sync.v1', 'query', 'ingest', 'leap.ingest.v1.SyncSources'],
  ['ingest.sources.sync-started.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceSyncsStarted'],
  ['ingest.source-sync.get.v1', 'query', 'ingest', 'leap.ingest.v1.GetSourceSync'],
  ['ingest.source-sync.found.v1', 'reply', 'ingest', 'leap.ingest.v1.SourceSyncFound'],
  ['ingest.zoom-webhook.receive.v1', 'query', 'ingest', 'leap.ingest.v1.ReceiveZoomWebhook'],
  ['ingest.zoom-webhook.received.v1', 'reply', 'ingest', 'leap.ingest.v1.ZoomWebhookReceived'],
  ['ingest.yandex-disk.browse.v1', 'query', 'ingest', 'leap.ingest.v1.BrowseYandexDisk'],
  ['ingest.yandex-disk.folder.v1', 'reply', 'ingest', 'leap.ingest.v1.YandexDiskFolder'],
  ['ingest.template.save.v1', 'query', 'ingest', 'leap.ingest.v1.SaveTemplate'],
  ['ingest.template.saved.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateSaved'],
  ['ingest.template.copy.v1', 'query', 'ingest', 'leap.ingest.v1.CopyTemplate'],
  ['ingest.template.copied.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateCopied'],
  ['ingest.template.from-recording.v1', 'query', 'ingest', 'leap.ingest.v1.CreateTemplateFromRecording'],
  ['ingest.template.created-from-recording.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateCreatedFromRecording'],
  ['ingest.template.get.v1', 'query', 'ingest', 'leap.ingest.v1.GetTemplate'],
  ['ingest.template.found.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateFound'],
  ['ingest.templates.list.v1', 'query', 'ingest', 'leap.ingest.v1.ListTemplates'],
  ['ingest.templates.page.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplatesPage'],
  ['ingest.template.set-default.v1', 'query', 'ingest', 'leap.ingest.v1.SetDefaultTemplate'],
  ['ingest.template.default-set.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateDefaultSet'],
  ['ingest.templates.delete.v1', 'query', 'ingest', 'leap.ingest.v1.DeleteTemplates'],
  ['ingest.templates.deleted.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplatesDeleted'],
  ['ingest.template.stats.v1', 'query', 'ingest', 'leap.ingest.v1.GetTemplateStats'],
  ['ingest.template.stats-found.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateStats'],
  ['ingest.template.preview-match.v1', 'query', 'ingest', 'leap.ingest.v1.PreviewTemplateMatch'],
  ['ingest.template.match-preview.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateMatchPreview'],
  ['ingest.template.rematch.v1', 'query', 'ingest', 'leap.ingest.v1.RematchTemplate'],
  ['ingest.template.rematched.v1', 'reply', 'ingest', 'leap.ingest.v1.TemplateRematched'],
  ['ingest.config.resolve.v1', 'query', 'ingest', 'leap.ingest.v1.ResolveConfig'],
  ['ingest.config.resolved.v1', 'reply', 'ingest', 'leap.ingest.v1.ConfigResolved'],
  ['ingest.recording.change-config.v1', 'query', 'ingest', 'leap.ingest.v1.ChangeRecordingConfig'],
  ['ingest.recording.config-changed.v1', 'reply', 'ingest', 'leap.ingest.v1.RecordingConfigChanged'],
  ['ingest.automation-job.save.v1', 'query', 'ingest', 'leap.ingest.v1.SaveAutomationJob'],
  ['ingest.automation-job.saved.v1', 'reply', 'ingest', 'leap.ingest.v1.AutomationJobSaved'],
  ['ingest.automation-job.copy.v1', 'query', 'ingest', 'leap.ingest.v1.CopyAutomationJob'],
  ['ingest.automation-job.copied.v1', 'reply', 'ingest', 'leap.ingest.v1.AutomationJobCopied'],
  ['ingest.automation-job.get.v1', 'query', 'ingest', 'leap.ingest.v1.GetAutomationJob'],
  ['ingest.automation-job.found.v1', 'reply', 'ingest', 'leap.ingest.v1.AutomationJobFound'],
  ['ingest.automation-jobs.list.v1', 'query', 'ingest', 'leap.ingest.v1.ListAutomationJobs'],
  ['ingest.automation-jobs.page.v1', 'reply', 'ingest', 'leap.ingest.v1.AutomationJobsPage'],
  ['ingest.automation-job.delete.v1', 'query', 'ingest', 'leap.ingest.v1.DeleteAutomationJob'],
  ['ingest.automation-job.deleted.v1', 'reply', 'ingest', 'leap.ingest.v1.AutomationJobDeleted'],
  ['ingest.automation-runs.list.v1', 'query', 'ingest', 'leap.ingest.v1.ListAutomationRuns'],
  ['ingest.automation-runs.page.v1', 'reply', 'ingest', 'leap.ingest.v1.AutomationRunsPage'],
  ['ingest.automation-job.run.v1', 'query', 'ingest', 'leap.ingest.v1.RunAutomationJob'],
  ['ingest.automation-job.run-result.v1', 'reply', 'ingest', 'leap.ingest.v1.AutomationJobRunResult'],
  ['media.recording.trim.v1', 'command', 'media', 'leap.media.v1.TrimRecording'],
  ['media.recording.trimmed.v1', 'event', 'media', 'leap.media.v1.RecordingTrimmed'],
  ['media.processing.failed.v1', 'event', 'media', 'leap.media.v1.MediaProcessingFailed'],
  ['media.progress.v1', 'event', 'media', 'leap.media.v1.MediaProgress'],
  ['media.jobs.list.v1', 'query', 'media', 'leap.media.v1.ListMediaJobs'],
  ['media.jobs.page.v1', 'reply', 'media', 'leap.media.v1.MediaJobsPage'],
  ['publishing.recording.publish.v1', 'command', 'publishing', 'leap.publishing.v1.PublishRecording'],
  ['publishing.publication.retract.v1', 'command', 'publishing', 'leap.publishing.v1.RetractPublication'],
  ['publishing.recording.published.v1', 'event', 'publishing', 'leap.publishing.v1.RecordingPublished'],
  ['publishing.failed.v1', 'event', 'publishing', 'leap.publishing.v1.PublishingFailed'],
  ['publishing.progress.v1', 'event', 'publishing', 'leap.publishing.v1.PublishingProgress'],
  ['publishing.publication.retracted.v1', 'event', 'publishing', 'leap.publishing.v1.PublicationRetracted'],
  ['publishing.jobs.list.v1', 'query', 'publishing', 'leap.publishing.v1.ListPublishingJobs'],
  ['publishing.jobs.page.v1', 'reply', 'publishing', 'leap.publishing.v1.PublishingJobsPage'],
  ['publishing.presets.list.v1', 'query', 'publishing', 'leap.publishing.v1.ListPresets'],
  ['publishing.presets.page.v1', 'reply', 'publishing', 'leap.publishing.v1.PresetsPage'],
  ['publishing.preset.get.v1', 'query', 'publishing', 'leap.publishing.v1.GetPreset'],
  ['publishing.preset.found.v1', 'reply', 'publishing', 'leap.publishing.v1.PresetFound'],
  ['publishing.preset.create.v1', 'query', 'publishing', 'leap.publishing.v1.CreatePreset'],
  ['publishing.preset.create-result.v1', 'reply', 'publishing', 'leap.publishing.v1.CreatePresetResult'],
  ['publishing.preset.update.v1', 'query', 'publishing', 'leap.publishing.v1.UpdatePreset'],
  ['publishing.preset.update-result.v1', 'reply', 'publishing', 'leap.publishing.v1.UpdatePresetResult'],
  ['publishing.preset.copy.v1', 'query', 'publishing', 'leap.publishing.v1.CopyPreset'],
  ['publishing.preset.copy-result.v1', 'reply', 'publishing', 'leap.publishing.v1.CopyPresetResult'],
  ['publishing.presets.delete.v1', 'query', 'publishing', 'leap.publishing.v1.DeletePresets'],
  ['publishing.presets.delete-result.v1', 'reply', 'publishing', 'leap.publishing.v1.DeletePresetsResult'],
  ['publishing.preset.render-preview.v1', 'query', 'publishing', 'leap.publishing.v1.RenderPresetPreview'],
  ['publishing.preset.preview.v1', 'reply', 'publishing', 'leap.publishing.v1.PresetPreview'],
  ['publishing.credential.create.v1', 'query', 'publishing', 'leap.publishing.v1.CreateCredential'],
  ['publishing.credential.create-result.v1', 'reply', 'publishing', 'leap.publishing.v1.CreateCredentialResult'],
  ['publishing.account.connect.v1', 'query', 'publishing', 'leap.publishing.v1.ConnectAccount'],
  ['publishing.account.connect-result.v1', 'reply', 'publishing', 'leap.publishing.v1.ConnectAccountResult'],
  ['publishing.upload.start.v1', 'query', 'publishing', 'leap.publishing.v1.StartUpload'],
  ['publishing.upload.start-result.v1', 'reply', 'publishing', 'leap.publishing.v1.StartUploadResult'],
  ['publishing.targets.list.v1', 'query', 'publishing', 'leap.publishing.v1.ListOutputTargets'],
  ['publishing.targets.page.v1', 'reply', 'publishing', 'leap.publishing.v1.OutputTargetsPage'],
  ['publishing.target.retract.v1', 'query', 'publishing', 'leap.publishing.v1.RetractTarget'],
  ['publishing.target.retract-result.v1', 'reply', 'publishing', 'leap.publishing.v1.RetractTargetResult'],
  ['publishing.credentials.list.v1', 'query', 'publishing', 'leap.publishing.v1.ListCredentials'],
  ['publishing.credentials.page.v1', 'reply', 'publishing', 'leap.publishing.v1.CredentialsPage'],
  ['publishing.credential.get.v1', 'query', 'publishing', 'leap.publishing.v1.GetCredential'],
  ['publishing.credential.update.v1', 'query', 'publishing', 'leap.publishing.v1.UpdateCredential'],
  ['publishing.credential.found.v1', 'reply', 'publishing', 'leap.publishing.v1.CredentialFound'],
  ['publishing.credential.updated.v1', 'reply', 'publishing', 'leap.publishing.v1.CredentialUpdated'],
  ['publishing.credential.delete.v1', 'query', 'publishing', 'leap.publishing.v1.DeleteCredential'],
  ['publishing.credential.deleted.v1', 'reply', 'publishing', 'leap.publishing.v1.CredentialDeleted'],
  ['quota.reservation.release.v1', 'command', 'quota', 'leap.quota.v1.ReleaseReservation'],
  ['quota.exceeded.v1', 'event', 'quota', 'leap.quota.v1.QuotaExceeded'],
  ['quota.usage.recorded.v1', 'event', 'quota', 'leap.quota.v1.UsageRecorded'],
  ['quota.warning.raised.v1', 'event', 'quota', 'leap.quota.v1.QuotaWarningRaised'],
  ['quota.recording.reserve.v1', 'query', 'quota', 'leap.quota.v1.ReserveRecording'],
  ['quota.reservation.decision.v1', 'reply', 'quota', 'leap.quota.v1.ReservationDecision'],
  ['quota.automation-limits.get.v1', 'query', 'quota', 'leap.quota.v1.GetAutomationLimits'],
  ['quota.automation-limits.found.v1', 'reply', 'quota', 'leap.quota.v1.AutomationLimitsFound'],
  ['quota.usage.check.v1', 'query', 'quota', 'leap.quota.v1.CheckUsage'],
  ['quota.usage.checked.v1', 'reply', 'quota', 'leap.quota.v1.UsageChecked'],
  ['storage.recording-objects.delete.v1', 'command', 'storage', 'leap.storage.v1.DeleteRecordingObjects'],
  ['storage.orphans.scan.v1', 'command', 'storage', 'leap.storage.v1.ScanOrphans'],
  ['storage.object.stored.v1', 'event', 'storage', 'leap.storage.v1.ObjectStored'],
  ['storage.recording-objects.deleted.v1', 'event', 'storage', 'leap.storage.v1.RecordingObjectsDeleted'],
  ['storage.usage.changed.v1', 'event', 'storage', 'leap.storage.v1.StorageUsageChanged'],
  ['storage.orphans.report.get.v1', 'query', 'storage', 'leap.storage.v1.GetOrphanReport'],
  ['storage.orphans.report.v1', 'reply', 'storage', 'leap.storage.v1.OrphanReport'],
  ['transcription.recording.transcribe.v1', 'command', 'transcription', 'leap.transcription.v1.TranscribeRecording'],
  ['transcription.topics.extract.v1', 'command', 'transcription', 'leap.transcription.v1.ExtractTopics'],
  ['transcription.subtitles.generate.v1', 'command', 'transcription', 'leap.transcription.v1.GenerateSubtitles'],
  ['transcription.recording.transcribed.v1', 'event', 'transcription', 'leap.transcription.v1.RecordingTranscribed'],
  ['transcription.topics.extracted.v1', 'event', 'transcription', 'leap.transcription.v1.TopicsExtracted'],
  ['transcription.subtitles.generated.v1', 'event', 'transcription', 'leap.transcription.v1.SubtitlesGenerated'],
  ['transcription.failed.v1', 'event', 'transcription', 'leap.transcription.v1.TranscriptionFailed'],
  ['transcription.progress.v1', 'event', 'transcription', 'leap.transcription.v1.TranscriptionProgress'],
  ['transcription.jobs.list.v1', 'query', 'transcription', 'leap.transcription.v1.ListTranscriptionJobs'],
  ['transcription.jobs.page.v1', 'reply', 'transcription', 'leap.transcription.v1.TranscriptionJobsPage'],
  ['transcription.topics.edit.v1', 'query', 'transcription', 'leap.transcription.v1.EditTopics'],
  ['transcription.topics.edited.v1', 'reply', 'transcription', 'leap.transcription.v1.TopicsEdited'],
  ['transcription.provider-credential.set.v1', 'query', 'transcription', 'leap.transcription.v1.SetProviderCredential'],
  ['transcription.provider-credential.set-result.v1', 'reply', 'transcription', 'leap.transcription.v1.ProviderCredentialSetResult'],
  ['transcription.provider-credential.list.v1', 'query', 'transcription', 'leap.transcription.v1.ListProviderCredentials'],
  ['transcription.provider-credential.list-result.v1', 'reply', 'transcription', 'leap.transcription.v1.ProviderCredentialList'],
  ['transcription.provider-credential.delete.v1', 'query', 'transcription', 'leap.transcription.v1.DeleteProviderCredential'],
  ['transcription.provider-credential.delete-result.v1', 'reply', 'transcription', 'leap.transcription.v1.ProviderCredentialDeleteResult'],
];

const trimmed: RecordingTrimmed = {
  recordingId: '0190f5c2-7d1e-7c3a-9a4b-1f2e3d4c5b6a',
  userId: '0190f5c2-7d1e-7c3a-9a4b-000000000001',
  video: { key: 'users/u/recordings/r/video.mp4', sizeBytes: '1048576', kind: 'OBJECT_KIND_VIDEO', contentType: 'video/mp4' },
  audio: { key: 'users/u/recordings/r/audio.mp3', sizeBytes: '65536', kind: 'OBJECT_KIND_AUDIO' },
  sourceDurationSeconds: 3600,
  trimmedDurationSeconds: 3500.5,
  trimmedHeadSeconds: 60,
  trimmedTailSeconds: 39.5,
};

describe('the platform catalogue', () => {
  it('defines every message of the pipeline with its kind, service and proto message', () => {
    expect(catalog.all().map((d) => [d.type, d.role, d.service, d.schema])).toEqual(EXPECTED);
  });

  it('routes events to <prefix>.events and commands and queries to <prefix>.commands', () => {
    const trim = catalog.getOrThrow('media.recording.trim.v1');
    expect(trim).toMatchObject({ kind: 'command', service: 'media', app: 'media-processing', exchange: 'media.commands', routingKey: 'media.recording.trim.v1' });
    expect(catalog.getOrThrow('media.recording.trimmed.v1')).toMatchObject({ kind: 'event', exchange: 'media.events', package: 'leap.media.v1', version: 1 });
    for (const def of catalog.all()) {
      if (def.role === 'event') expect(def.exchange).toBe(`${def.service}.events`);
      else if (def.role === 'reply') expect(def.exchange).toBeUndefined();
      else expect(def.exchange).toBe(`${def.service}.commands`);
    }
  });

  it('links a query to its reply both ways', () => {
    expect(catalog.getOrThrow('quota.recording.reserve.v1')).toMatchObject({ kind: 'query', role: 'query', replyType: 'quota.reservation.decision.v1' });
    expect(catalog.getOrThrow('quota.reservation.decision.v1')).toMatchObject({ kind: 'query', role: 'reply', requestType: 'quota.recording.reserve.v1' });
    expect(catalog.getOrThrow('quota.reservation.decision.v1').replyType).toBeUndefined();
  });

  it('is assignable to the messaging library catalogue', () => {
    const forBus: MessagingCatalog = catalog;
    expect(forBus.get('media.recording.trimmed.v1')?.schema).toBe('leap.media.v1.RecordingTrimmed');
    expect(forBus.get('nope.v1')).toBeUndefined();
    expect(() => catalog.getOrThrow('nope.v1')).toThrow('No contract defines the message type nope.v1');
  });

  it('validates payloads built with the generated types', () => {
    expect(validatePayload(MESSAGE_TYPES.media.RecordingTrimmed, trimmed)).toEqual([]);
    expect(validatePayload('media.recording.trimmed.v1', { ...trimmed, video: { ...trimmed.video, sizeBytes: 1.5 } })).toEqual([
      'video.sizeBytes: expected int64 as a decimal string, got 1.5',
    ]);
    expect(() => validatePayload('media.recording.trimmed.v2', trimmed)).toThrow('No contract defines the message type media.recording.trimmed.v2');
  });

  it('types payloads as the proto3 JSON of their message, which protobuf-es reads and writes back', () => {
    const parsed = fromJson(RecordingTrimmedSchema, trimmed as unknown as JsonValue, { ignoreUnknownFields: false });
    expect(parsed.video?.sizeBytes).toBe(1048576n);
    // The same JSON value; toJson orders the keys by field number, so the bus passes payloads on as written.
    expect(toJson(RecordingTrimmedSchema, parsed)).toEqual(trimmed);
  });

  it('exposes field documentation from the proto when built by buf', () => {
    const fields = loadCatalogFromProtoDirectory(DEFAULT_PROTO_DIR).getOrThrow('publishing.recording.published.v1').fields;
    expect(fields.find((f) => f.jsonName === 'url')).toEqual({
      jsonName: 'url',
      number: 5,
      protoType: 'string',
      repeated: false,
      map: false,
      required: false,
      oneof: 'destination',
      description: 'Public URL of the published video.',
    });
    expect(fields.find((f) => f.jsonName === 'publishedAt')).toMatchObject({ protoType: 'google.protobuf.Timestamp', required: true });
    expect(catalog.getOrThrow('publishing.recording.publish.v1').fields.find((f) => f.jsonName === 'variables')).toMatchObject({
      protoType: 'map<string, string>',
      map: true,
      repeated: false,
    });
  });

  it('has the message type constants by service prefix', () => {
    expect(MESSAGE_TYPES.media.RecordingTrimmed).toBe('media.recording.trimmed.v1');
    expect(MESSAGE_TYPES.quota.ReserveRecording).toBe('quota.recording.reserve.v1');
    const all = Object.values(MESSAGE_TYPES).flatMap((byName) => Object.values(byName));
    expect(all.sort()).toEqual(catalog.all().map((d) => d.type).sort());
  });

  it('matches a catalogue compiled by buf straight from proto/, but for the comments', () => {
    const fromSources = loadCatalogFromProtoDirectory(DEFAULT_PROTO_DIR);
    const shape = ({ validate: _v, description: _d, fields, ...rest }: ContractDefinition): object => ({ ...rest, fields: fields.map(({ description: _f, ...field }) => field) });
    expect(fromSources.all().map(shape)).toEqual(catalog.all().map(shape));
    expect(catalog.getOrThrow('media.recording.trimmed.v1').description).toBe('');
    expect(fromSources.getOrThrow('media.recording.trimmed.v1').description).toBe('A recording was trimmed: the processed video and its audio track are in storage.');
    const broken = { ...trimmed, audio: { key: '', size_bytes: '1' } };
    expect(fromSources.getOrThrow('media.recording.trimmed.v1').validate(broken)).toEqual(catalog.getOrThrow('media.recording.trimmed.v1').validate(broken));
  });

  it('gives a self-contained JSON Schema per message type', () => {
    const schema = jsonSchemaFor('media.recording.trimmed.v1');
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'RecordingTrimmed',
      type: 'object',
      additionalProperties: false,
      required: ['recordingId', 'userId', 'video', 'audio'],
    });
    // The runtime descriptors carry no comments; the schemas of docs/asyncapi.yaml have the descriptions.
    expect((schema.properties as Record<string, unknown>).video).toEqual({ allOf: [{ $ref: '#/definitions/leap.common.v1.ObjectRef' }] });
    expect(loadCatalogFromProtoDirectory(DEFAULT_PROTO_DIR).jsonSchemaFor('media.recording.trimmed.v1').properties).toMatchObject({
      video: { description: 'The processed video (the source object itself when there was nothing to cut).' },
    });
    expect(Object.keys(schema.definitions as object)).toEqual(['leap.common.v1.ObjectRef', 'leap.common.v1.ObjectKind']);
    expect(jsonSchemaFor('media.recording.trimmed.v1')).toBe(schema);
  });
});

describe('catalogues of other protos', () => {
  const sources = {
    'leap/test/v1/events.proto': `${header('leap.test.v1', 'leap/options.proto')}
message ThingHappened {
  option (leap.message_type) = "test.thing.happened.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;
  string aggregate_id = 1 [(leap.required) = true];
}
message NotAContract { string note = 1; }
`,
  };

  it('builds from inline sources, ignoring messages without a message type', () => {
    const inline = inlineCatalog(sources);
    expect(inline.all().map((d) => d.type)).toEqual(['test.thing.happened.v1']);
    expect(inline.getOrThrow('test.thing.happened.v1')).toMatchObject({ service: 'test', app: 'test', exchange: 'test.events' });
    expect(inline.getOrThrow('test.thing.happened.v1').validate({ aggregateId: 'a' })).toEqual([]);
  });

  it('builds from a buf module on disk', () => {
    const dir = tempModule(sources);
    try {
      const fromFiles = loadCatalogFromProtoDirectory(dir);
      expect(fromFiles.get('test.thing.happened.v1')?.validate({ aggregate_id: 'a' })).toEqual([
        'aggregateId: required field is missing',
        'aggregate_id: unknown field (the JSON name is aggregateId)',
      ]);
      expect(fromFiles.all()).toHaveLength(1);
    } finally {
      removeModule(dir);
    }
  });

  it('refuses contracts that contradict each other', () => {
    const broken = compileSources({
      'leap/test/v1/queries.proto': `${header('leap.test.v1', 'leap/options.proto')}
message GetThing {
  option (leap.message_type) = "test.get-thing.v1";
  option (leap.kind) = MESSAGE_KIND_QUERY;
}
message AskThing {
  option (leap.message_type) = "test.ask-thing.v1";
  option (leap.kind) = MESSAGE_KIND_QUERY;
  option (leap.reply_type) = "test.get-thing.v1";
}
message Again {
  option (leap.message_type) = "test.get-thing.v1";
  option (leap.kind) = MESSAGE_KIND_EVENT;
}
message NoKind {
  option (leap.message_type) = "test.no-kind.v1";
}
message BadType {
  option (leap.message_type) = "Test.Bad";
  option (leap.kind) = MESSAGE_KIND_EVENT;
}
`,
    });
    expect(() => buildCatalog(broken)).toThrow(
      [
        'The contract catalogue is inconsistent:',
        '  - leap.test.v1.GetThing: a query must name its reply with (leap.reply_type)',
        '  - leap.test.v1.Again: message type test.get-thing.v1 is also declared by leap.test.v1.GetThing',
        '  - leap.test.v1.NoKind: (leap.kind) is missing',
        '  - leap.test.v1.BadType: message type "Test.Bad" is not <service>.<name>.v<N>',
        '  - leap.test.v1.AskThing: reply type test.get-thing.v1 is not a reply message',
      ].join('\n'),
    );
  });
});
