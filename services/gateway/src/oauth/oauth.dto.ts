import { z } from 'zod';
import { credentialViewSchema } from '../credentials/credentials.dto';
import { OAUTH_PLATFORM_PATHS } from './oauth-platforms';

export const oauthPlatformSchema = z.enum(OAUTH_PLATFORM_PATHS as [string, ...string[]], { errorMap: () => ({ message: `must be one of ${OAUTH_PLATFORM_PATHS.join(', ')}` }) });

export const authorizeQuerySchema = z
  .object({
    redirect: z.enum(['true', 'false']).optional().describe('true: answer 302 to the platform instead of JSON (for a browser following a link)'),
    purpose: z
      .enum(['input', 'output'])
      .optional()
      .describe('What the account is connected for: input (a source credential, kept by ingest) or output (an upload credential, kept by publishing). yandex_disk takes both (default input); zoom is input only, youtube and vk output only'),
  })
  .strict();

export const authorizeViewSchema = z.object({
  authorizationUrl: z.string().url().describe("The platform's consent page; its callback comes back to /api/v1/oauth/{platform}/callback"),
  expiresAt: z.string().datetime().describe('The connect must finish before this'),
});

/** What a platform's redirect brings back (platforms add their own extras, which are ignored). */
export const callbackQuerySchema = z
  .object({
    code: z.string().max(4096).optional(),
    state: z.string().max(512).optional(),
    device_id: z.string().max(512).optional().describe('VK ID: the device the code was issued to'),
    error: z.string().max(200).optional(),
    error_description: z.string().max(2000).optional(),
  })
  .passthrough();

export const connectedViewSchema = z.object({
  credential: credentialViewSchema,
  created: z.boolean().describe('False when the account was connected before: its tokens were replaced and needsReauth cleared'),
});

export const implicitUrlViewSchema = z.object({
  authorizationUrl: z.string().url().describe('Open it, allow access, and paste the address VK lands on (…/blank.html#access_token=…) into POST /api/v1/oauth/vk/authorize/implicit'),
});

export const implicitBodySchema = z
  .object({
    redirectUrl: z.string().min(1, 'must not be empty').max(8192, 'must be at most 8192 characters').describe('The whole address VK landed on, with #access_token=…&user_id=…'),
  })
  .strict();
