import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Storage: the object catalogue and file lifecycle. */
export const storageConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3005),
});

export type StorageConfig = z.output<typeof storageConfigSchema>;
