import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** The embedded mode (`npm start`): where it keeps its data and the port of its own PostgreSQL. */
export const embeddedConfigSchema = z.object({
  PORT: baseConfigSchema.shape.PORT,
  LEAP_DATA_DIR: field.string().default('.leap'),
  EMBEDDED_POSTGRES_PORT: field.port().default(54329),
});

export type EmbeddedConfig = z.output<typeof embeddedConfigSchema>;
