import type { ServiceDefinition } from '@leap/platform';
import { MessageTypes } from '@leap/contracts';
import { mediaProcessingConfigSchema } from './config/config.schema';
import { MediaProcessingModule } from './media-processing.module';
import { TRIM_QUEUE } from './trim/trim.consumer';

/** The media-processing service as the platform runs it: its config, schema, consumers and features. */
export const mediaProcessingService: ServiceDefinition = {
  name: 'media-processing',
  configSchema: mediaProcessingConfigSchema,
  consumers: [
    // A trim decodes the whole recording and takes a core: one at a time per replica.
    { queue: TRIM_QUEUE, types: [MessageTypes.media.TrimRecording], prefetch: 1 },
  ],
  imports: [MediaProcessingModule],
  entities: [],
  migrations: [],
};
