import type { ServiceDefinition } from '@leap/platform';
import { ingestConfigSchema } from './config/config.schema';

/** The ingest service as the platform runs it: its config, schema, consumers and features. */
export const ingestService: ServiceDefinition = {
  name: 'ingest',
  configSchema: ingestConfigSchema,
  consumers: [],
  imports: [],
  entities: [],
  migrations: [],
};
