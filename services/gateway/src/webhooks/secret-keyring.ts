import { hkdfSync } from 'node:crypto';
import type { z } from 'zod';
import { SECRET_PLACEHOLDER } from '@leap/config';
import { parseKeyring, SecretsError } from '@leap/secrets';

/** The id of the key derived from JWT_SECRET when WEBHOOK_SECRETS_KEYRING is unset (never in production). */
export const DEVELOPMENT_KEY_ID = 'jwt';

/** Outside production, without WEBHOOK_SECRETS_KEYRING: one key derived from JWT_SECRET (HKDF-SHA256). */
export function developmentWebhookKeyring(jwtSecret: string): string {
  const key = Buffer.from(hkdfSync('sha256', jwtSecret, 'leap-gateway', 'webhook-secrets-at-rest', 32));
  return `${DEVELOPMENT_KEY_ID}:${key.toString('base64')}`;
}

/**
 * Reports a keyring setting that does not parse (the value itself is never repeated). The
 * `.env.example` placeholder is left to the production rule of secrets, which names it as such.
 */
export function keyringProblem(value: string, ctx: z.RefinementCtx): void {
  if (value.toLowerCase().includes(SECRET_PLACEHOLDER)) return;
  try {
    parseKeyring(value);
  } catch (error) {
    if (!(error instanceof SecretsError)) throw error;
    ctx.addIssue({ code: 'custom', message: `is not a keyring (id:key,... with 32-byte keys in base64 or hex): ${error.message}` });
  }
}
