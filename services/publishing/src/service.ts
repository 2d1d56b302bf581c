import type { ServiceDefinition } from '@leap/platform';
import { publishingConfigSchema } from './config/config.schema';
import { publishingMigrations } from './migrations';
import { PublicationEntity } from './publications/publication.entity';
import { PublicationsModule } from './publications/publications.module';
import { PUBLISH, UPLOADS_QUEUE } from './publications/publish.consumer';

/** The publishing service as the platform runs it: its config, schema, consumers and features. */
export const publishingService: ServiceDefinition = {
  name: 'publishing',
  configSchema: publishingConfigSchema,
  consumers: [{ queue: UPLOADS_QUEUE, types: [PUBLISH], prefetch: 2 }],
  imports: [PublicationsModule],
  entities: [PublicationEntity],
  migrations: publishingMigrations,
};
