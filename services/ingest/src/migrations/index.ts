import { CreateRecordings1767225600000 } from './1767225600000-create-recordings.migration';

/** The migrations of the ingest schema, in order. */
export const ingestMigrations = [CreateRecordings1767225600000];
