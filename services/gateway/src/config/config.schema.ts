import { z } from 'zod';
import { baseConfigSchema, derivedDefault, field, requiredWhen, secret } from '@leap/config';
import { developmentWebhookKeyring, keyringProblem } from '../webhooks/secret-keyring';

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
  /**
   * Folder of the resumable (tus) uploads' bytes while they arrive, one file per upload. Keep it on
   * a volume that outlives the process (and shared by every gateway replica), so uploads survive a
   * restart; finished uploads move into the object store.
   */
  UPLOAD_RESUMABLE_DIR: field.string().default('./.leap/uploads'),
  /** How long after its creation an unfinished resumable upload is kept; then it is removed and its quota given back. */
  UPLOAD_RESUMABLE_EXPIRY: field.duration({ min: 1000 }).default('24h'),
  /** How often expired resumable uploads are removed; `0s` turns the sweep off. */
  UPLOAD_RESUMABLE_SWEEP_INTERVAL: field.duration({ min: 0 }).default('5m'),
  /** The largest JSON request body (as sent, and once inflated when compressed). */
  REQUEST_BODY_MAX_BYTES: field.byteSize({ min: 1024 }).default('64KiB'),
  /**
   * How long an idle keep-alive connection stays open. Longer than a load balancer's idle timeout
   * (60 s on the common ones), so the gateway never closes a connection a client or proxy is about
   * to reuse (which the client sees as "other side closed").
   */
  HTTP_KEEP_ALIVE_TIMEOUT: field.duration({ min: 1000 }).default('65s'),
  QUOTA_REQUEST_TIMEOUT: field.duration({ min: 100 }).default('5s'),
  /** How long a pause or run waits for ingest's answer before answering 503 INGEST.UNAVAILABLE. */
  INGEST_REQUEST_TIMEOUT: field.duration({ min: 100 }).default('5s'),
  /** How long a preset or credential route waits for the publishing service before answering 503 PUBLISHING.UNAVAILABLE. */
  PUBLISHING_REQUEST_TIMEOUT: field.duration({ min: 100 }).default('5s'),
  /** Keys that seal platform tokens on their way to the service that keeps them (`id:key,...`, the same value there). Without it credentials cannot be added. */
  CREDENTIALS_TRANSIT_KEYRING: secret(field.string()).optional(),
  /** Google's consent page host (`/o/oauth2/v2/auth`), where YouTube connects start. Tests point it at a local fake. */
  GOOGLE_ACCOUNTS_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://accounts.google.com'),
  /** The Google OAuth client YouTube accounts are connected to (the same value as publishing's). Empty: YouTube connects are off. */
  GOOGLE_CLIENT_ID: field.string().default(''),
  /** VK ID (`/authorize`, OAuth 2.1 with PKCE), where VK connects start. Tests point it at a local fake. */
  VK_ID_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://id.vk.com'),
  /** VK's classic OAuth host, for the implicit flow (`/authorize`, `/blank.html`). */
  VK_OAUTH_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://oauth.vk.com'),
  /** The VK ID app VK accounts are connected to (the same value as publishing's). Empty: VK connects are off. */
  VK_CLIENT_ID: field.string().default(''),
  /** Zoom's OAuth host (`/oauth/authorize`), where Zoom connects start (the same value as ingest's). Tests point it at a local fake. */
  ZOOM_OAUTH_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://zoom.us'),
  /** The Zoom user-OAuth app Zoom accounts are connected to (the same value as ingest's). Empty: Zoom connects are off. */
  ZOOM_CLIENT_ID: field.string().default(''),
  /** Yandex OAuth (`/authorize`), where Yandex Disk connects start (the same value as ingest's and publishing's). Tests point it at a local fake. */
  YANDEX_OAUTH_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://oauth.yandex.ru'),
  /** The Yandex OAuth app Yandex Disk accounts are connected to (the same value as ingest's and publishing's). Empty: Yandex Disk connects are off. */
  YANDEX_CLIENT_ID: field.string().default(''),
  /** How long an OAuth connect may take from its authorize call to its callback. */
  OAUTH_STATE_TTL: field.duration({ min: 60_000 }).default('10m'),
  /** Key of the HMAC that signs OAuth states. Unset: one derived from JWT_SECRET. */
  OAUTH_STATE_SECRET: secret(field.string(), { minLength: 32 }).optional(),
  /** Where the OAuth callback sends the browser when it is done (`?platform=&status=connected&credentialId=` or `?status=error&code=`). Unset: it answers JSON. */
  OAUTH_RETURN_URL: field.url({ protocols: ['http', 'https'] }).optional(),
  /** How long the operators' job list waits for each worker service before reporting it unreachable. */
  JOBS_REQUEST_TIMEOUT: field.duration({ min: 100 }).default('3s'),
  /** How long the operators' orphan report waits for the storage service before answering 503 STORAGE.UNAVAILABLE. */
  STORAGE_REQUEST_TIMEOUT: field.duration({ min: 100 }).default('5s'),
  CORS_ORIGINS: field.list({ item: checkOrigin }).default([]),
  REDIS_URL: secret(field.url({ protocols: ['redis', 'rediss'] })).optional(),

  /**
   * Key of the HMAC that signs media URLs served by the gateway (local storage backend). Unset: one
   * derived from JWT_SECRET. Set it to rotate media URLs apart from tokens.
   */
  MEDIA_URL_SECRET: secret(field.string(), { minLength: 32 }).optional(),

  /** Where users reach the API; links in mails (verify, reset) and media URLs start with it. */
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

  /**
   * Hosts (exact names) and addresses or CIDRs that outbound requests made for users may reach
   * although they are internal: webhook targets here. Empty: only public addresses.
   */
  OUTBOUND_ALLOWED_HOSTS: field.list().default([]),
  /** Webhook targets must be https (defaults to true in production). */
  WEBHOOK_REQUIRE_HTTPS: derivedDefault(field.boolean(), (config) => config.NODE_ENV === 'production'),
  /** How long one delivery attempt may take, connection included. */
  WEBHOOK_TIMEOUT: field.duration({ min: 100 }).default('10s'),
  /** The largest payload sent; a larger event is not delivered (its delivery fails with WEBHOOK.PAYLOAD_TOO_LARGE). */
  WEBHOOK_MAX_PAYLOAD_BYTES: field.byteSize({ min: 1024 }).default('256KiB'),
  /** Delay before each retry of a failed delivery (±20 % jitter); one attempt more than delays in all. */
  WEBHOOK_RETRY_SCHEDULE: field.durationList().default('30s,2m,10m,30m,1h,2h,4h,8h,8h'),
  /** The longest Retry-After a receiver is granted. */
  WEBHOOK_MAX_RETRY_AFTER: field.duration({ min: 0 }).default('12h'),
  /** Deliveries in flight at once per gateway replica (shared fairly between subscriptions). */
  WEBHOOK_CONCURRENCY: field.int({ min: 1, max: 256 }).default(8),
  /** Deliveries of one subscription in flight at once, all replicas together: a receiver that hangs holds no more slots than this. */
  WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION: field.int({ min: 1, max: 256 }).default(2),
  /** Deliveries in a row that fail for good before the subscription is disabled; 0 never disables. */
  WEBHOOK_DISABLE_AFTER: field.int({ min: 0 }).default(5),
  /** How long the previous secret still signs after a rotation. */
  WEBHOOK_SECRET_OVERLAP: field.duration({ min: 0 }).default('24h'),
  /**
   * Keys that seal webhook signing secrets at rest: `id:key,...` (32-byte keys in base64 or hex),
   * the first seals, every one opens. Required in production; elsewhere unset means a key derived
   * from JWT_SECRET. Put a new key first to rotate: the gateway reseals every secret at start.
   */
  WEBHOOK_SECRETS_KEYRING: derivedDefault(
    requiredWhen('NODE_ENV', 'production', secret(field.string().superRefine(keyringProblem), { minLength: 46 })),
    (config) => (config.NODE_ENV === 'production' ? (undefined as unknown as string) : developmentWebhookKeyring(String(config.JWT_SECRET ?? ''))),
  ),

  /** A comment line is sent on an event stream this often, so proxies keep an idle stream open (it also looks for missed events). */
  EVENTS_HEARTBEAT_INTERVAL: field.duration({ min: 100 }).default('15s'),
  /** Event streams one user may hold open on one replica; one more is a 429 EVENTS.TOO_MANY_STREAMS. */
  EVENTS_MAX_STREAMS_PER_USER: field.int({ min: 1, max: 10_000 }).default(20),
  /** How long a stream token (`POST /api/v1/events/token`) can open an event stream. */
  EVENTS_STREAM_TOKEN_TTL: field.duration({ min: 1000 }).default('5m'),
  /** How long progress events are kept, so a stream resuming with Last-Event-ID replays what it missed. */
  EVENTS_RETENTION: field.duration({ min: 60_000 }).default('7d'),
  /** How often progress events older than EVENTS_RETENTION are deleted; `0s` turns it off. */
  EVENTS_SWEEP_INTERVAL: field.duration({ min: 0 }).default('1h'),

  /** How often ended identity rows (links, cooldowns, sessions, refresh tokens, idempotency keys) are deleted; `0s` turns it off. */
  AUTH_SWEEP_INTERVAL: field.duration({ min: 0 }).default('1h'),
  /** How long revoked, used or expired links, sessions and refresh tokens are kept after they end (audit, reuse detection). */
  AUTH_SWEEP_RETENTION: field.duration({ min: 3_600_000 }).default('7d'),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
