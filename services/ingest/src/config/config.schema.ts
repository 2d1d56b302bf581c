import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Ingest: recordings, sources, templates and the pipeline process manager. */
export const ingestConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3001),
});

export type IngestConfig = z.output<typeof ingestConfigSchema>;
