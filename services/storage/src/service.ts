import { MESSAGE_TYPES } from '@leap/contracts';
import type { ServiceDefinition } from '@leap/platform';
import { CATALOGUE_EVENTS, CATALOGUE_QUEUE, COMMANDS_QUEUE, STORAGE_COMMANDS } from './catalogue/catalogue.consumer';
import { BackendMigrationModule } from './backend-migration/backend-migration.module';
import { CatalogueModule } from './catalogue/catalogue.module';
import { StoredObjectEntity } from './catalogue/stored-object.entity';
import { storageConfigSchema } from './config/config.schema';
import { storageMigrations } from './migrations';
import { OrphansModule } from './orphans/orphans.module';
import { TempModule } from './temp/temp.module';
import { ThumbnailsModule } from './thumbnails/thumbnails.module';
import { USER_EVENTS, USERS_QUEUE } from './thumbnails/user-thumbnails.consumer';

/** The storage service as the platform runs it: its config, schema, consumers and features. */
export const storageService: ServiceDefinition = {
  name: 'storage',
  configSchema: storageConfigSchema,
  consumers: [
    { queue: CATALOGUE_QUEUE, types: [...CATALOGUE_EVENTS] },
    { queue: COMMANDS_QUEUE, types: [...STORAGE_COMMANDS, MESSAGE_TYPES.storage.ScanOrphans, MESSAGE_TYPES.storage.GetOrphanReport] },
    { queue: USERS_QUEUE, types: [...USER_EVENTS] },
  ],
  imports: [CatalogueModule, OrphansModule, TempModule, ThumbnailsModule, BackendMigrationModule],
  entities: [StoredObjectEntity],
  migrations: storageMigrations,
};

/** The orphan scan, for specs that run a round themselves. */
export { OrphanScanService } from './orphans/orphan-scan.service';

/** The sweep of unfinished writes, for specs that run a round themselves. */
export { TempSweepService } from './temp/temp-sweep.service';
