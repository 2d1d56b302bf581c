import { MESSAGE_TYPES } from '@leap/contracts';
import type { ServiceDefinition } from '@leap/platform';
import { AUTOMATION_QUERIES } from './automation/automation.consumer';
import { ingestConfigSchema, type IngestConfig } from './config/config.schema';
import { DOWNLOAD_JOB, DOWNLOAD_QUEUE, INGEST_JOB_CONTROL_QUEUE } from './download/download.consumer';
import { RecordingSourceEntity } from './download/recording-source.entity';
import { SOURCE_CREDENTIAL_QUERIES } from './credentials/source-credentials.consumer';
import { IngestModule } from './ingest.module';
import { SOURCE_QUERIES, SOURCE_SYNC_JOB, SOURCE_SYNC_QUEUE } from './sources/sources.consumer';
import { YANDEX_DISK_QUERIES } from './sources/yandex-disk/yandex-disk-browse.consumer';
import { INGEST_USERS_QUEUE } from './account-events';
import { TEMPLATE_QUERIES } from './templates/templates.consumer';
import { ingestMigrations } from './migrations';
import { INGEST_PIPELINE_QUEUE } from './pipeline/pipeline.consumer';
import { RecordingStageEntity } from './recordings/recording-stage.entity';
import { RecordingEntity } from './recordings/recording.entity';
import { INGEST_COMMANDS_QUEUE } from './recordings/recordings.consumer';

/** The ingest service as the platform runs it: its config, schema, consumers and features. */
export const ingestService: ServiceDefinition = {
  name: 'ingest',
  configSchema: ingestConfigSchema,
  consumers: [
    {
      queue: INGEST_COMMANDS_QUEUE,
      types: [
        MESSAGE_TYPES.ingest.RegisterUploadedRecording,
        MESSAGE_TYPES.ingest.DeleteRecording,
        MESSAGE_TYPES.ingest.PauseRecording,
        MESSAGE_TYPES.ingest.RunRecording,
        MESSAGE_TYPES.ingest.RerunStage,
        MESSAGE_TYPES.ingest.ControlRecordings,
        MESSAGE_TYPES.ingest.ResetRecording,
        MESSAGE_TYPES.ingest.AddRecordingFromUrl,
        MESSAGE_TYPES.ingest.AddRecordingsFromPlaylist,
        MESSAGE_TYPES.ingest.PreviewFormats,
        MESSAGE_TYPES.ingest.RestoreRecording,
        MESSAGE_TYPES.ingest.LookupRecordings,
        ...SOURCE_CREDENTIAL_QUERIES,
        ...SOURCE_QUERIES,
        MESSAGE_TYPES.ingest.ReceiveZoomWebhook,
        ...YANDEX_DISK_QUERIES,
        ...TEMPLATE_QUERIES,
        ...AUTOMATION_QUERIES,
      ],
    },
    // An account event: a new account gets its base template; a plan's monthly processing reached holds the auto-runs.
    { queue: INGEST_USERS_QUEUE, types: [MESSAGE_TYPES.gateway.UserRegistered, MESSAGE_TYPES.quota.QuotaWarningRaised] },
    // Accepting a download is one short transaction (the job row); the transfer runs as a job.
    { queue: DOWNLOAD_QUEUE, types: [MESSAGE_TYPES.ingest.DownloadRecording] },
    // A sync lists a platform's API: accepted as a job, like a download.
    { queue: SOURCE_SYNC_QUEUE, types: [MESSAGE_TYPES.ingest.SyncSource] },
    {
      queue: INGEST_JOB_CONTROL_QUEUE,
      types: [MESSAGE_TYPES.ingest.RecordingPaused, MESSAGE_TYPES.ingest.RecordingDeleted, MESSAGE_TYPES.ingest.ListIngestJobs],
    },
    {
      queue: INGEST_PIPELINE_QUEUE,
      types: [
        MESSAGE_TYPES.media.RecordingTrimmed,
        MESSAGE_TYPES.media.MediaProcessingFailed,
        MESSAGE_TYPES.transcription.RecordingTranscribed,
        MESSAGE_TYPES.transcription.TopicsExtracted,
        MESSAGE_TYPES.transcription.SubtitlesGenerated,
        MESSAGE_TYPES.transcription.TranscriptionFailed,
        MESSAGE_TYPES.publishing.RecordingPublished,
        MESSAGE_TYPES.publishing.PublishingFailed,
      ],
    },
  ],
  // A download mostly waits on the network: INGEST_DOWNLOAD_CONCURRENCY (4) per replica.
  jobs: [
    { kind: DOWNLOAD_JOB, concurrency: (config: IngestConfig) => config.INGEST_DOWNLOAD_CONCURRENCY },
    { kind: SOURCE_SYNC_JOB, concurrency: (config: IngestConfig) => config.INGEST_SYNC_CONCURRENCY },
  ],
  imports: [IngestModule],
  entities: [RecordingEntity, RecordingStageEntity, RecordingSourceEntity],
  migrations: ingestMigrations,
};

/** The retention sweep, for specs that drive it with a `now` of their own. */
export { RetentionSweep } from './lifecycle/retention.sweep';
/** The clock every step of ingest reads, for specs that move time along. */
export { Clock } from './clock.service';
/** The stuck-work sweep, for specs that run a round themselves. */
export { StuckStagesSweep } from './pipeline/stuck-stages.sweep';
