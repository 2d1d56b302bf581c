import type { ServiceDefinition } from '@leap/platform';
import { transcriptionConfigSchema } from './config/config.schema';

/** The transcription service as the platform runs it: its config, schema, consumers and features. */
export const transcriptionService: ServiceDefinition = {
  name: 'transcription',
  configSchema: transcriptionConfigSchema,
  consumers: [],
  imports: [],
  entities: [],
  migrations: [],
};
