import { CreatePublications1767225600000 } from './1767225600000-create-publications.migration';

/** The publishing schema's migrations, oldest first. */
export const publishingMigrations = [CreatePublications1767225600000];
