import { CreateObjectCatalogue1767225600000 } from './1767225600000-create-object-catalogue.migration';
import { CreateBackendMigrations1767398400000 } from './1767398400000-create-backend-migrations.migration';
import { OrphanScans1767484800000 } from './1767484800000-orphan-scans.migration';

/** The storage schema's migrations, oldest first. */
export const storageMigrations = [CreateObjectCatalogue1767225600000, CreateBackendMigrations1767398400000, OrphanScans1767484800000];
