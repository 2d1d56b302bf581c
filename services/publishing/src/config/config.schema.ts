import { z } from 'zod';
import { baseConfigSchema, field, secret } from '@leap/config';
import { isAllowedHostsList } from '@leap/outbound';

/** Publishing: uploads to video platforms and the local export. */
export const publishingConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3004),
  EXPORT_ROOT: field.string().default('./.leap/exports'),
  /** Uploads one replica runs at once (network-bound, so more than the cores). */
  PUBLISHING_CONCURRENCY: field.int({ min: 1, max: 256 }).default(4),
  /** Keys that seal platform tokens at rest: `id:key,...` (32-byte keys in base64 or hex), the first seals. Without it no credential can be stored. */
  CREDENTIALS_KEYRING: secret(field.string()).optional(),
  /** Keys the gateway seals new tokens with on their way here (the same value as the gateway's). */
  CREDENTIALS_TRANSIT_KEYRING: secret(field.string()).optional(),
  GOOGLE_OAUTH_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://oauth2.googleapis.com'),
  YOUTUBE_API_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://www.googleapis.com/youtube/v3'),
  YOUTUBE_UPLOAD_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://www.googleapis.com/upload/youtube/v3'),
  /** The Google OAuth client the YouTube tokens were issued to (needed to refresh them). */
  GOOGLE_CLIENT_ID: field.string().default(''),
  GOOGLE_CLIENT_SECRET: secret(field.string()).default(''),
  /** Bytes per resumable-upload PUT (a multiple of 256KiB). */
  YOUTUBE_CHUNK_SIZE: field.byteSize({ min: 256 * 1024 }).refine((n) => n % (256 * 1024) === 0, 'must be a multiple of 256KiB').default('8MiB'),
  YANDEX_DISK_API_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://cloud-api.yandex.net/v1/disk'),
  YANDEX_OAUTH_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://oauth.yandex.ru'),
  /** The Yandex OAuth app the Yandex Disk tokens were issued to (needed to refresh them). */
  YANDEX_CLIENT_ID: field.string().default(''),
  YANDEX_CLIENT_SECRET: secret(field.string()).default(''),
  /**
   * Hosts (names, addresses or CIDRs, comma-separated) that uploads may reach although they are
   * internal. Empty: only public addresses (Yandex's API and the upload hrefs it answers are
   * checked like any outbound fetch). See docs/sources.md.
   */
  OUTBOUND_ALLOWED_HOSTS: field.string().refine(isAllowedHostsList, 'expected comma-separated host names, IP addresses or CIDRs').optional(),
  VK_API_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://api.vk.com/method'),
  /** VK ID: the token endpoint (`/oauth2/auth`) that exchanges codes and refreshes tokens. */
  VK_ID_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://id.vk.com'),
  /** The VK ID app the VK tokens were issued to (its id; VK ID apps exchange with PKCE, no secret). */
  VK_CLIENT_ID: field.string().default(''),
  /** The VK API version every call names. */
  VK_API_VERSION: field.string().default('5.131'),
  /** API calls per second per YouTube account (0: no limit). */
  YOUTUBE_REQUESTS_PER_SECOND: field.number({ min: 0 }).default(5),
  /** API calls per second per VK account (VK allows 3; 0: no limit). */
  VK_REQUESTS_PER_SECOND: field.number({ min: 0 }).default(3),
  /** Rate, quota or server failures in a row that open a platform account's circuit. */
  PLATFORM_BREAKER_THRESHOLD: field.int({ min: 1, max: 100 }).default(5),
  /** How long an open circuit keeps calls to that account from the platform (longer when the platform's Retry-After asks). */
  PLATFORM_BREAKER_COOLDOWN: field.duration({ min: 10 }).default('60s'),
  /** The longest a call waits for an open circuit before its job gives up this attempt and is tried again after the circuit's time. */
  PLATFORM_BREAKER_MAX_WAIT: field.duration({ min: 0 }).default('2m'),
});

export type PublishingConfig = z.output<typeof publishingConfigSchema>;
