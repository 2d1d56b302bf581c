import type { ServiceDefinition } from '@leap/platform';
import { quotaConfigSchema } from './config/config.schema';

/** The quota service as the platform runs it: its config, schema, consumers and features. */
export const quotaService: ServiceDefinition = {
  name: 'quota',
  configSchema: quotaConfigSchema,
  consumers: [],
  imports: [],
  entities: [],
  migrations: [],
};
