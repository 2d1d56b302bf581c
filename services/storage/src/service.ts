import type { ServiceDefinition } from '@leap/platform';
import { storageConfigSchema } from './config/config.schema';

/** The storage service as the platform runs it: its config, schema, consumers and features. */
export const storageService: ServiceDefinition = {
  name: 'storage',
  configSchema: storageConfigSchema,
  consumers: [],
  imports: [],
  entities: [],
  migrations: [],
};
