import { z } from 'zod';
import { baseConfigSchema, derivedDefault, field, secret } from '@leap/config';

/** A CORS origin is `*` or a scheme, host and optional port, with no path. */
function checkOrigin(value: string): string | undefined {
  if (value === '*') return undefined;
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value.replace(/\/$/, '')) return undefined;
  } catch {
    // reported below
  }
  return 'is not an origin such as https://app.example.org';
}

/** Gateway: the public HTTP API, auth and uploads. */
export const gatewayConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3000),
  JWT_SECRET: secret(field.string(), { minLength: 32 }),
  JWT_ACCESS_TTL: field.duration({ min: 1000 }).default('15m'),
  JWT_REFRESH_TTL: field.duration({ min: 60_000 }).default('30d'),
  UPLOAD_MAX_BYTES: field.byteSize({ min: 1 }).default('5GiB'),
  QUOTA_REQUEST_TIMEOUT: field.duration({ min: 100 }).default('5s'),
  CORS_ORIGINS: field.list({ item: checkOrigin }).default([]),
  REDIS_URL: secret(field.url({ protocols: ['redis', 'rediss'] })).optional(),

  /** Where users reach the API; links in mails (verify, reset) start with it. */
  PUBLIC_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('http://localhost:3000'),
  /** Refuse login until the email address is verified (A1). */
  AUTH_REQUIRE_VERIFIED_EMAIL: field.boolean().default(true),
  /** Emails (comma-separated) that are made admins when they register. */
  ADMIN_EMAILS: field.list().default([]),
  EMAIL_VERIFICATION_TTL: field.duration({ min: 60_000 }).default('24h'),
  PASSWORD_RESET_TTL: field.duration({ min: 60_000 }).default('1h'),
  MAIL_RESEND_COOLDOWN: field.duration({ min: 0 }).default('60s'),
  /** `smtp://user:pass@host:port` (or `smtps://`); without it mails are written to the log. */
  SMTP_URL: secret(field.url({ protocols: ['smtp', 'smtps'] })).optional(),
  MAIL_FROM: field.string().default('LEAP <no-reply@leap.localhost>'),
  /** argon2id cost: memory in KiB and passes (OWASP: 19 MiB, 2 passes). */
  PASSWORD_HASH_MEMORY_KIB: field.int({ min: 1024 }).default(19456),
  PASSWORD_HASH_PASSES: field.int({ min: 1, max: 10 }).default(2),

  /** Cookies of the browser mode. `COOKIE_SECURE` defaults to true in production. */
  COOKIE_SECURE: derivedDefault(field.boolean(), (config) => config.NODE_ENV === 'production'),
  COOKIE_SAMESITE: field.enum(['lax', 'strict', 'none'] as const).default('lax'),
  COOKIE_DOMAIN: field.string().optional(),

  /** Requests per window per user, per API key, and per client address for unauthenticated calls. */
  RATE_LIMIT_WINDOW: field.duration({ min: 1000 }).default('1m'),
  RATE_LIMIT_USER: field.int({ min: 1 }).default(120),
  RATE_LIMIT_API_KEY: field.int({ min: 1 }).default(120),
  RATE_LIMIT_ANONYMOUS: field.int({ min: 1 }).default(30),
  /** Prefix of the rate-limit counters in Redis (replicas sharing limits use the same one). */
  RATE_LIMIT_REDIS_PREFIX: field.string().default('leap:ratelimit:'),
  /** How many proxies in front of the gateway to trust for the client address (X-Forwarded-For). */
  TRUST_PROXY_HOPS: field.int({ min: 0, max: 10 }).default(0),

  /** How long an `Idempotency-Key` and the answer it produced are kept. */
  IDEMPOTENCY_TTL: field.duration({ min: 60_000 }).default('24h'),

  /** How often ended identity rows (links, cooldowns, sessions, refresh tokens, idempotency keys) are deleted; `0s` turns it off. */
  AUTH_SWEEP_INTERVAL: field.duration({ min: 0 }).default('1h'),
  /** How long revoked, used or expired links, sessions and refresh tokens are kept after they end (audit, reuse detection). */
  AUTH_SWEEP_RETENTION: field.duration({ min: 3_600_000 }).default('7d'),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
