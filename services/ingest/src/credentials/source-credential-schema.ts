import { z } from 'zod';
import { LeapError } from '@leap/errors';
import { maskSecret } from '@leap/secrets';

/** Platforms whose credentials ingest keeps: the sources it syncs from. */
export const SOURCE_CREDENTIAL_PLATFORMS = ['zoom', 'yandex_disk'] as const;
export type SourceCredentialPlatform = (typeof SOURCE_CREDENTIAL_PLATFORMS)[number];
export type SourceCredentialKind = 'server_to_server' | 'oauth';

const text = (max = 8192) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** A Zoom Server-to-Server OAuth app: tokens come from the `account_credentials` grant. */
const zoomServerToServer = z
  .object({
    accountId: text(200),
    clientId: text(200),
    clientSecret: text(),
    /** The app's secret token: signs the `recording.completed` webhook. */
    webhookSecretToken: text().optional(),
  })
  .strict();

/** User OAuth tokens (refreshed with the OAuth app's client id and secret when given). */
const oauthTokens = z
  .object({
    accessToken: text(),
    refreshToken: text().optional(),
    clientId: text(200).optional(),
    clientSecret: text().optional(),
    /** When the access token expires (ISO 8601). */
    expiresAt: z.string().datetime({ offset: true }).optional(),
  })
  .strict();

const zoomOauth = oauthTokens.extend({ webhookSecretToken: text().optional() }).strict();

export interface ZoomServerToServerData {
  accountId: string;
  clientId: string;
  clientSecret: string;
  webhookSecretToken?: string;
}

export interface OauthTokenData {
  accessToken: string;
  refreshToken?: string;
  clientId?: string;
  clientSecret?: string;
  expiresAt?: string;
  webhookSecretToken?: string;
}

export type SourceCredentialData = ZoomServerToServerData | OauthTokenData;

/**
 * The platform's schema for a credential's fields: Zoom takes Server-to-Server app settings
 * (`accountId`, `clientId`, `clientSecret`) or user OAuth tokens, Yandex Disk OAuth tokens.
 * Anything else is 422 CREDENTIAL.INVALID naming the field, never echoing a value.
 */
export function parseCredentialData(platform: string, data: unknown): { kind: SourceCredentialKind; data: SourceCredentialData } {
  if (!(SOURCE_CREDENTIAL_PLATFORMS as readonly string[]).includes(platform)) {
    throw invalid(`platform: ingest keeps credentials of ${SOURCE_CREDENTIAL_PLATFORMS.join(', ')}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('credentials: must be an object');
  if (platform === 'zoom') {
    const s2s = 'accountId' in data;
    const parsed = (s2s ? zoomServerToServer : zoomOauth).safeParse(data);
    if (!parsed.success) throw invalid(describe(parsed.error, s2s ? 'a Zoom Server-to-Server app (accountId, clientId, clientSecret)' : 'Zoom OAuth tokens (accessToken, refreshToken?)'));
    return { kind: s2s ? 'server_to_server' : 'oauth', data: parsed.data };
  }
  const parsed = oauthTokens.safeParse(data);
  if (!parsed.success) throw invalid(describe(parsed.error, 'Yandex OAuth tokens (accessToken, refreshToken?)'));
  return { kind: 'oauth', data: parsed.data };
}

/** The clear columns a webhook finds the credential by: a Zoom app's account id and whether it keeps a webhook secret token. */
export function webhookIndexOf(platform: string, data: SourceCredentialData): { externalAccountId: string | null; hasWebhookSecret: boolean } {
  if (platform !== 'zoom') return { externalAccountId: null, hasWebhookSecret: false };
  return { externalAccountId: 'accountId' in data ? data.accountId : null, hasWebhookSecret: Boolean(data.webhookSecretToken) };
}

/** Each stored field masked: enough to recognise it, never to use it. */
export function hintsOf(data: SourceCredentialData): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, key === 'expiresAt' ? String(value) : maskSecret(String(value))]));
}

function describe(error: z.ZodError, expected: string): string {
  const issue = error.issues[0];
  const path = ['credentials', ...issue.path].join('.');
  const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
  return `${path}: ${message}; expected ${expected}`;
}

function invalid(message: string): LeapError {
  return new LeapError('CREDENTIAL.INVALID', message, { retryable: false, status: 422 });
}
