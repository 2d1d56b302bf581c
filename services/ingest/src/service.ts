import { MESSAGE_TYPES } from '@leap/contracts';
import type { ServiceDefinition } from '@leap/platform';
import { ingestConfigSchema } from './config/config.schema';
import { IngestModule } from './ingest.module';
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
      types: [MESSAGE_TYPES.ingest.RegisterUploadedRecording, MESSAGE_TYPES.ingest.DeleteRecording],
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
  imports: [IngestModule],
  entities: [RecordingEntity, RecordingStageEntity],
  migrations: ingestMigrations,
};
