import type { ServiceDefinition } from '@leap/platform';
import { mediaProcessingConfigSchema } from './config/config.schema';

/** The media-processing service as the platform runs it: its config, schema, consumers and features. */
export const mediaProcessingService: ServiceDefinition = {
  name: 'media-processing',
  configSchema: mediaProcessingConfigSchema,
  consumers: [],
  imports: [],
  entities: [],
  migrations: [],
};
