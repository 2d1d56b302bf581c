import { z } from 'zod';
import { booleanFilter, listQuery, pageSchema, valuesFilter } from '../common/pagination';

/** Platforms a credential may be for. */
export const CREDENTIAL_PLATFORMS = ['zoom', 'youtube', 'vk_video', 'yandex_disk'] as const;
/** Platforms whose credentials the publishing service keeps (uploads). */
export const PUBLISHING_CREDENTIAL_PLATFORMS = ['youtube', 'vk_video', 'yandex_disk'] as const;
export type CredentialPlatform = (typeof CREDENTIAL_PLATFORMS)[number];

const text = (max = 8192) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

const uploadTokens = z.object({ accessToken: text(), refreshToken: text().optional() }).strict().describe('youtube, vk_video, yandex_disk (output): OAuth tokens');
const oauthTokens = z
  .object({
    accessToken: text(),
    refreshToken: text().optional(),
    clientId: text(200).optional().describe('The OAuth app, to refresh the tokens'),
    clientSecret: text().optional(),
    expiresAt: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
const zoomServerToServer = z
  .object({
    accountId: text(200),
    clientId: text(200),
    clientSecret: text(),
    webhookSecretToken: text().optional().describe('The app secret token that signs the recording.completed webhook'),
  })
  .strict()
  .describe('zoom: a Server-to-Server OAuth app');
const zoomOauth = oauthTokens.extend({ webhookSecretToken: text().optional() }).strict().describe('zoom: user OAuth tokens');

/** The fields each platform (and purpose) takes. */
function credentialsSchemaFor(platform: CredentialPlatform, purpose: 'input' | 'output'): z.ZodTypeAny {
  if (platform === 'zoom') return z.union([zoomServerToServer, zoomOauth]);
  if (platform === 'yandex_disk' && purpose === 'input') return oauthTokens;
  return uploadTokens;
}

const credentialsField = z
  .record(z.unknown())
  .describe(
    'The platform\'s fields. zoom: {accountId, clientId, clientSecret, webhookSecretToken?} (Server-to-Server) or {accessToken, refreshToken?, clientId?, clientSecret?, expiresAt?, webhookSecretToken?}; ' +
      'yandex_disk as an input: {accessToken, refreshToken?, clientId?, clientSecret?, expiresAt?}; youtube, vk_video, yandex_disk as an output: {accessToken, refreshToken?}. ' +
      'Stored encrypted; never shown again (answers carry masked hints).',
  );

const purposeField = z
  .enum(['input', 'output'], { errorMap: () => ({ message: 'must be input or output' }) })
  .optional()
  .describe('yandex_disk only: a source to sync from (input, kept by ingest) or a place to publish to (output, the default, kept by publishing)');

function checkPurpose(platform: CredentialPlatform, purpose: 'input' | 'output' | undefined, ctx: z.RefinementCtx): 'input' | 'output' {
  if (platform === 'zoom') {
    if (purpose === 'output') ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['purpose'], message: 'zoom credentials are inputs' });
    return 'input';
  }
  if (platform !== 'yandex_disk' && purpose === 'input') ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['purpose'], message: `${platform} credentials are outputs` });
  return purpose ?? 'output';
}

function checkFields(platform: CredentialPlatform, purpose: 'input' | 'output', credentials: unknown, ctx: z.RefinementCtx): void {
  const parsed = credentialsSchemaFor(platform, purpose).safeParse(credentials);
  if (parsed.success) return;
  // Each issue names the field, never the value.
  for (const issue of parsed.error.issues) {
    if (issue.code === 'invalid_union') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['credentials'], message: 'must be a Server-to-Server app (accountId, clientId, clientSecret) or OAuth tokens (accessToken, refreshToken?)' });
      continue;
    }
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['credentials', ...issue.path], message: issue.message });
  }
}

export const createCredentialSchema = z
  .object({
    platform: z.enum(CREDENTIAL_PLATFORMS, { errorMap: () => ({ message: `must be one of ${CREDENTIAL_PLATFORMS.join(', ')}` }) }),
    accountName: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').describe('The account, e.g. its email; one credential per platform and account'),
    purpose: purposeField,
    credentials: credentialsField,
  })
  .strict()
  .transform((body, ctx) => {
    const purpose = checkPurpose(body.platform, body.purpose, ctx);
    checkFields(body.platform, purpose, body.credentials, ctx);
    return { ...body, purpose };
  });
export type CreateCredentialDto = z.output<typeof createCredentialSchema>;

export const updateCredentialSchema = z
  .object({
    accountName: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional(),
    isActive: z.boolean().optional(),
    credentials: credentialsField.optional().describe('New fields, replacing the stored ones whole (clears needsReauth)'),
  })
  .strict();
export type UpdateCredentialDto = z.output<typeof updateCredentialSchema>;

/** The fields a PATCH may bring, checked against the stored credential's platform and purpose. */
export function checkUpdateFields(platform: CredentialPlatform, purpose: 'input' | 'output', credentials: unknown): z.ZodIssue[] {
  const issues: z.ZodIssue[] = [];
  const ctx = { addIssue: (issue: z.IssueData) => issues.push({ ...issue, path: issue.path ?? [] } as z.ZodIssue), path: [] } as unknown as z.RefinementCtx;
  checkFields(platform, purpose, credentials, ctx);
  return issues;
}

export const credentialViewSchema = z.object({
  id: z.string().uuid(),
  platform: z.enum(CREDENTIAL_PLATFORMS),
  purpose: z.enum(['input', 'output']).describe('input: a source ingest syncs from; output: a place publishing uploads to'),
  kind: z.enum(['server_to_server', 'oauth']),
  accountName: z.string(),
  hints: z.record(z.string()).describe('Each stored field, masked (abc…wxyz): enough to recognise it, never to use it'),
  needsReauth: z.boolean().describe('The platform refused the credential: connect the account again or replace its fields'),
  isActive: z.boolean(),
  createdAt: z.string().datetime(),
  updatedAt: z.string().datetime(),
  lastUsedAt: z.string().datetime().nullable(),
});
export type CredentialView = z.infer<typeof credentialViewSchema>;

export const credentialPageSchema = pageSchema(credentialViewSchema);

export const listCredentialsQuerySchema = listQuery({
  platform: valuesFilter(z.enum(CREDENTIAL_PLATFORMS, { errorMap: () => ({ message: `must be one or more of ${CREDENTIAL_PLATFORMS.join(', ')}` }) })).describe(
    `Only these platforms (comma-separated): ${CREDENTIAL_PLATFORMS.join(', ')}`,
  ),
  search: z.string().max(200, 'must be at most 200 characters').optional().describe('Text in the account name (case-insensitive)'),
  isActive: booleanFilter(),
});

export const credentialStatusSchema = z.object({
  platforms: z.record(
    z.object({
      connected: z.boolean().describe('The user has an active credential for the platform'),
      count: z.number().int(),
      needsReauth: z.boolean().describe('One of them needs to be connected again'),
    }),
  ),
});

export const yandexDiskBrowseQuerySchema = listQuery({
  path: z
    .string()
    .max(1000, 'must be at most 1000 characters')
    .optional()
    .describe('The folder: `/`, `/Lectures/2026` or `disk:/Lectures` (the root by default)'),
});
export type YandexDiskBrowseQuery = z.output<typeof yandexDiskBrowseQuerySchema>;

export const yandexDiskEntrySchema = z.object({
  name: z.string(),
  path: z.string().describe('`disk:/…`: what a YANDEX_DISK source\'s `config.folderPath` takes'),
  type: z.enum(['dir', 'file']),
  size: z.number().int().nullable().describe('Bytes; null for a folder'),
  modified: z.string().datetime().nullable(),
  mimeType: z.string().nullable(),
  media: z.boolean().describe('A video or audio file: what a source without a filePattern takes'),
});
export type YandexDiskEntryView = z.infer<typeof yandexDiskEntrySchema>;

export const yandexDiskFolderPageSchema = pageSchema(yandexDiskEntrySchema).extend({ path: z.string().describe('The folder browsed (`disk:/…`)') });
