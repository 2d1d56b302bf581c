import { z } from 'zod';
import { booleanFilter, listQuery, pageSchema, valuesFilter } from '../common/pagination';

export const SOURCE_PLATFORMS = ['ZOOM', 'YANDEX_DISK', 'VIDEO_URL', 'LOCAL'] as const;
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date (YYYY-MM-DD)');

const configField = z
  .record(z.unknown())
  .describe(
    'The platform\'s settings. ZOOM: {userId?, isMasterAccount?, userEmails?, includeTrash?, recordingType?, autoRun?}; ' +
      'YANDEX_DISK: {folderPath | publicUrl, recursive?, filePattern?, autoRun?}; VIDEO_URL: {url, quality?, formatPreference?, limit?, autoRun?}; LOCAL: {}',
  );

export const createSourceSchema = z
  .object({
    name: z.string().trim().min(3, 'must be at least 3 characters').max(255, 'must be at most 255 characters'),
    description: z.string().max(2000, 'must be at most 2000 characters').optional(),
    platform: z.enum(SOURCE_PLATFORMS, { errorMap: () => ({ message: `must be one of ${SOURCE_PLATFORMS.join(', ')}` }) }),
    credentialId: z.string().uuid('must be a credential id').nullable().optional().describe('A zoom or yandex_disk input credential (none for VIDEO_URL, LOCAL and public Yandex links)'),
    config: configField.optional(),
  })
  .strict();

export const updateSourceSchema = z
  .object({
    name: z.string().trim().min(3, 'must be at least 3 characters').max(255, 'must be at most 255 characters').optional(),
    description: z.string().max(2000, 'must be at most 2000 characters').optional(),
    credentialId: z.string().uuid('must be a credential id').nullable().optional(),
    config: configField.optional(),
    isActive: z.boolean().optional(),
  })
  .strict();

export const syncWindowSchema = z
  .object({
    fromDate: date.optional().describe('First day (default: 30 days before toDate)'),
    toDate: date.optional().describe('Last day, inclusive (default: today, UTC)'),
  })
  .strict();

export const bulkSyncSchema = syncWindowSchema
  .extend({ sourceIds: z.array(z.string().uuid('must be a source id')).min(1, 'must name at least one source').max(50, 'must name at most 50 sources') })
  .strict();

export const sourceViewSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  platform: z.enum(SOURCE_PLATFORMS),
  credentialId: z.string().uuid().nullable(),
  config: z.record(z.unknown()),
  isActive: z.boolean(),
  lastSyncAt: z.string().datetime().nullable(),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
});
export type SourceView = z.infer<typeof sourceViewSchema>;

export const sourcePageSchema = pageSchema(sourceViewSchema);

export const listSourcesQuerySchema = listQuery({
  platform: valuesFilter(z.enum(SOURCE_PLATFORMS, { errorMap: () => ({ message: `must be one or more of ${SOURCE_PLATFORMS.join(', ')}` }) })).describe('Only these platforms (comma-separated)'),
  search: z.string().max(200, 'must be at most 200 characters').optional().describe('Text in the name or description (case-insensitive)'),
  activeOnly: booleanFilter(),
});

export const syncViewSchema = z.object({
  id: z.string().uuid(),
  sourceId: z.string().uuid(),
  status: z.enum(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED']),
  fromDate: z.string(),
  toDate: z.string(),
  found: z.number().int().describe('Items the source listed in the window'),
  created: z.number().int().describe('Recordings created'),
  updated: z.number().int().describe('Recordings updated (a held one whose source became ready, changed details)'),
  skipped: z.number().int(),
  skips: z
    .array(z.object({ sourceKey: z.string(), title: z.string().nullable(), reason: z.string().describe('finished, deleted, unchanged, blank or still_processing'), recordingId: z.string().nullable() }))
    .describe('What was left as it was, and why'),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  createdAt: z.string().datetime(),
  finishedAt: z.string().datetime().nullable(),
});
export type SyncView = z.infer<typeof syncViewSchema>;

export const syncsStartedSchema = z.object({ syncs: z.array(syncViewSchema) });
