import { CreateObjectCatalogue1767225600000 } from './1767225600000-create-object-catalogue.migration';

/** The storage schema's migrations, oldest first. */
export const storageMigrations = [CreateObjectCatalogue1767225600000];
