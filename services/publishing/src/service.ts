import type { ServiceDefinition } from '@leap/platform';
import { publishingConfigSchema } from './config/config.schema';

/** The publishing service as the platform runs it: its config, schema, consumers and features. */
export const publishingService: ServiceDefinition = {
  name: 'publishing',
  configSchema: publishingConfigSchema,
  consumers: [],
  imports: [],
  entities: [],
  migrations: [],
};
