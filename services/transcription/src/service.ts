import type { ServiceDefinition } from '@leap/platform';
import { MESSAGE_TYPES } from '@leap/contracts';
import { transcriptionConfigSchema } from './config/config.schema';
import type { TranscriptionConfig } from './config/config.schema';
import { TRANSCRIPTION_CONTROL_QUEUE } from './jobs-control.consumer';
import { SUBTITLES_JOB, SUBTITLES_QUEUE } from './subtitles/subtitles.consumer';
import { TOPICS_JOB, TOPICS_QUEUE } from './topics/topics.consumer';
import { TOPICS_EDIT_QUEUE } from './topics/topics-edit.consumer';
import { PROVIDER_CREDENTIALS_QUEUE } from './credentials/provider-credentials.consumer';
import { TRANSCRIBE_JOB, TRANSCRIBE_QUEUE } from './transcribe/transcribe.consumer';
import { TranscriptionModule } from './transcription.module';
import { transcriptionMigrations } from './migrations';

/** The transcription service as the platform runs it: its config, schema, consumers and features. */
export const transcriptionService: ServiceDefinition = {
  name: 'transcription',
  configSchema: transcriptionConfigSchema,
  consumers: [
    // Accepting a command is one short transaction (the job row); the work runs as a job.
    { queue: TRANSCRIBE_QUEUE, types: [MESSAGE_TYPES.transcription.TranscribeRecording] },
    { queue: TOPICS_QUEUE, types: [MESSAGE_TYPES.transcription.ExtractTopics] },
    { queue: SUBTITLES_QUEUE, types: [MESSAGE_TYPES.transcription.GenerateSubtitles] },
    // A hand edit of the topics is answered at once (request/reply).
    { queue: TOPICS_EDIT_QUEUE, types: [MESSAGE_TYPES.transcription.EditTopics] },
    // Tenants' own provider keys, set, listed and deleted through the gateway (request/reply).
    {
      queue: PROVIDER_CREDENTIALS_QUEUE,
      types: [
        MESSAGE_TYPES.transcription.SetProviderCredential,
        MESSAGE_TYPES.transcription.ListProviderCredentials,
        MESSAGE_TYPES.transcription.DeleteProviderCredential,
      ],
    },
    {
      queue: TRANSCRIPTION_CONTROL_QUEUE,
      types: [MESSAGE_TYPES.ingest.RecordingPaused, MESSAGE_TYPES.ingest.RecordingDeleted, MESSAGE_TYPES.transcription.ListTranscriptionJobs],
    },
  ],
  jobs: [
    // Offline recognition takes minutes and a whole core.
    { kind: TRANSCRIBE_JOB, concurrency: (config: TranscriptionConfig) => config.TRANSCRIPTION_CONCURRENCY },
    { kind: TOPICS_JOB, concurrency: (config: TranscriptionConfig) => config.TRANSCRIPTION_TEXT_CONCURRENCY },
    { kind: SUBTITLES_JOB, concurrency: (config: TranscriptionConfig) => config.TRANSCRIPTION_TEXT_CONCURRENCY },
  ],
  imports: [TranscriptionModule],
  entities: [],
  migrations: transcriptionMigrations,
};
