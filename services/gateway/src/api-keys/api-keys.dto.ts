import { z } from 'zod';
import { SCOPES } from '../access/principal';
import { multiValueFilter, listQuery, pageSchema, sortParam } from '../common/pagination';

/** The longest lifetime a key may be given. */
export const MAX_KEY_LIFETIME_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

export const createApiKeySchema = z.object({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  scopes: z
    .array(z.enum(SCOPES, { errorMap: () => ({ message: `must be one of ${SCOPES.join(', ')}` }) }))
    .min(1, 'must name at least one scope')
    .transform((scopes) => SCOPES.filter((s) => scopes.includes(s)))
    .describe('What the key may do: read (GET), write (other methods), admin (the admin API; administrators only)'),
  expiresAt: z
    .string()
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2027-01-31T00:00:00Z' })
    .transform((value) => new Date(value))
    .refine((date) => date.getTime() > Date.now(), 'must be in the future')
    .refine((date) => date.getTime() <= Date.now() + MAX_KEY_LIFETIME_DAYS * DAY_MS, `must be at most ${MAX_KEY_LIFETIME_DAYS} days ahead`)
    .optional()
    .describe('When the key stops working (ISO 8601). Without it the key works until revoked'),
});
export type CreateApiKeyDto = z.output<typeof createApiKeySchema>;

export const API_KEY_STATUSES = ['active', 'revoked', 'expired'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

export const API_KEY_SORT_FIELDS = ['createdAt', 'lastUsedAt', 'name'] as const;
export type ApiKeySortField = (typeof API_KEY_SORT_FIELDS)[number];

export const listApiKeysQuerySchema = listQuery({
  sort: sortParam(API_KEY_SORT_FIELDS, '-createdAt'),
  status: multiValueFilter(['ACTIVE', 'REVOKED', 'EXPIRED'] as const)
    .transform((list) => list?.map((s) => s.toLowerCase() as ApiKeyStatus))
    .describe('active, revoked, expired (comma-separated for several)'),
});
export type ListApiKeysQuery = z.output<typeof listApiKeysQuerySchema>;

const scopeList = z.array(z.enum(SCOPES));

/** A key as lists show it: never the secret. */
export const apiKeyViewSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  prefix: z.string().describe('leap_<public id>: the start of the key, to recognise it'),
  scopes: scopeList,
  createdAt: z.string().datetime(),
  expiresAt: z.string().datetime().nullable(),
  lastUsedAt: z.string().datetime().nullable().describe('Updated at most once a minute'),
  revokedAt: z.string().datetime().nullable(),
  status: z.enum(API_KEY_STATUSES),
});
export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;

export const apiKeyPageSchema = pageSchema(apiKeyViewSchema);

/** The answer to creating a key: the only time the key itself is shown. */
export const createdApiKeySchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  scopes: scopeList,
  prefix: z.string(),
  createdAt: z.string().datetime(),
  expiresAt: z.string().datetime().nullable(),
  key: z.string().describe('The API key. Shown only in this answer: store it now'),
});
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
