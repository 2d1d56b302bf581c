import type { ServiceDefinition } from '@leap/platform';
import { CATALOGUE_EVENTS, CATALOGUE_QUEUE, COMMANDS_QUEUE, STORAGE_COMMANDS } from './catalogue/catalogue.consumer';
import { CatalogueModule } from './catalogue/catalogue.module';
import { StoredObjectEntity } from './catalogue/stored-object.entity';
import { storageConfigSchema } from './config/config.schema';
import { storageMigrations } from './migrations';

/** The storage service as the platform runs it: its config, schema, consumers and features. */
export const storageService: ServiceDefinition = {
  name: 'storage',
  configSchema: storageConfigSchema,
  consumers: [
    { queue: CATALOGUE_QUEUE, types: [...CATALOGUE_EVENTS] },
    { queue: COMMANDS_QUEUE, types: [...STORAGE_COMMANDS] },
  ],
  imports: [CatalogueModule],
  entities: [StoredObjectEntity],
  migrations: storageMigrations,
};
