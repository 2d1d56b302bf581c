import type { ServiceDefinition } from '@leap/platform';
import { MESSAGE_TYPES } from '@leap/contracts';
import { mediaProcessingConfigSchema } from './config/config.schema';
import { MediaProcessingModule } from './media-processing.module';
import type { MediaProcessingConfig } from './config/config.schema';
import { MEDIA_CONTROL_QUEUE } from './jobs-control.consumer';
import { TRIM_JOB, TRIM_QUEUE } from './trim/trim.consumer';

/** The media-processing service as the platform runs it: its config, schema, consumers and features. */
export const mediaProcessingService: ServiceDefinition = {
  name: 'media-processing',
  configSchema: mediaProcessingConfigSchema,
  consumers: [
    // Accepting a trim is one short transaction (the job row); the trim itself runs as a job.
    { queue: TRIM_QUEUE, types: [MESSAGE_TYPES.media.TrimRecording] },
    { queue: MEDIA_CONTROL_QUEUE, types: [MESSAGE_TYPES.ingest.RecordingPaused, MESSAGE_TYPES.ingest.RecordingDeleted, MESSAGE_TYPES.media.ListMediaJobs] },
  ],
  // A trim decodes the whole recording and takes a core: MEDIA_CONCURRENCY (the cores) per replica.
  jobs: [{ kind: TRIM_JOB, concurrency: (config: MediaProcessingConfig) => config.MEDIA_CONCURRENCY }],
  imports: [MediaProcessingModule],
  entities: [],
  migrations: [],
};
