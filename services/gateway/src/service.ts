import type { ServiceDefinition } from '@leap/platform';
import { gatewayConfigSchema } from './config/config.schema';

/** The gateway service as the platform runs it: its config, schema, consumers and features. */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  consumers: [],
  imports: [],
  entities: [],
  migrations: [],
  publicHttp: true,
};
