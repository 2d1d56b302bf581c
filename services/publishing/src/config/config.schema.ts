import { z } from 'zod';
import { baseConfigSchema, field } from '@leap/config';

/** Publishing: uploads to video platforms and the local export. */
export const publishingConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3004),
  EXPORT_ROOT: field.string().default('./.leap/exports'),
});

export type PublishingConfig = z.output<typeof publishingConfigSchema>;
