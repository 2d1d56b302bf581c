import type { MigrationClass } from '@leap/persistence';

/** One service schema of the platform template and the migrations that build it. */
export interface ServiceMigrations {
  /** The service's Postgres schema. */
  schema: string;
  /** The service's own migrations; the outbox/inbox migration is always applied before them. */
  migrations: MigrationClass[];
  /**
   * Files or folders (relative to the repository root) whose contents also go into the template's
   * hash: list the migrations folder when migrations read SQL or constants from other modules, so
   * a change there rebuilds the template too. The migration classes' own source is always hashed.
   */
  sources?: string[];
}

/**
 * Every service schema of the platform, as built into the "platform" template database that
 * integration tests clone (`platformTemplate()`). A service adds its migrations here.
 */
export const SERVICE_MIGRATIONS: ServiceMigrations[] = [
  { schema: 'gateway', migrations: [] },
  { schema: 'ingest', migrations: [] },
  { schema: 'media_processing', migrations: [] },
  { schema: 'transcription', migrations: [] },
  { schema: 'publishing', migrations: [] },
  { schema: 'storage', migrations: [] },
  { schema: 'quota', migrations: [] },
];
