import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, field, secret } from '@leap/config';
import { isAllowedHostsList } from '@leap/outbound';

/** Ingest: recordings, sources, templates and the pipeline process manager. */
export const ingestConfigSchema = baseConfigSchema.extend({
  PORT: field.port().default(3001),
  /**
   * Hosts (names, addresses or CIDRs, comma-separated) that downloads may reach although they are
   * internal (loopback, private, link-local…). Empty: only public addresses. See docs/sources.md.
   */
  OUTBOUND_ALLOWED_HOSTS: field.string().refine(isAllowedHostsList, 'expected comma-separated host names, IP addresses or CIDRs').optional(),
  YANDEX_DISK_API_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://cloud-api.yandex.net/v1/disk'),
  YANDEX_OAUTH_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://oauth.yandex.ru'),
  /** The Yandex OAuth app the Yandex Disk source tokens were issued to (needed to refresh them). */
  YANDEX_CLIENT_ID: field.string().default(''),
  YANDEX_CLIENT_SECRET: secret(field.string()).default(''),
  /** Downloads one replica runs at once (each is mostly waiting on the network). */
  INGEST_DOWNLOAD_CONCURRENCY: field.int({ min: 1, max: 256 }).default(4),
  /** Where interrupted downloads keep their bytes until they resume (outside storage). */
  INGEST_DOWNLOAD_DIR: field.string().default(join(tmpdir(), 'leap-ingest-downloads')),
  /** Partial downloads untouched for this long are removed. */
  INGEST_DOWNLOAD_PARTIAL_TTL: field.duration({ min: 60_000 }).default('24h'),
  /** The largest original a download may bring (the multipart upload's limit is UPLOAD_MAX_BYTES). */
  INGEST_DOWNLOAD_MAX_BYTES: field.byteSize({ min: 1 }).default('5GiB'),
  /** yt-dlp binary; otherwise youtube-dl-exec's, then the one on PATH. */
  YTDLP_PATH: field.string().optional(),
  /** A recording expires (is soft-deleted) this many days after it was created or restored (reference `auto_expire_days`, 1–730). */
  RETENTION_AUTO_EXPIRE_DAYS: field.int({ min: 1, max: 730 }).default(90),
  /** A deleted recording can be restored for this many days; then its files are removed (reference `soft_delete_days`, 1–90). */
  RETENTION_SOFT_DELETE_DAYS: field.int({ min: 1, max: 90 }).default(3),
  /** Its last trace goes this many days after its files (reference `hard_delete_days`, 1–365). */
  RETENTION_HARD_DELETE_DAYS: field.int({ min: 1, max: 365 }).default(30),
  /** How often one replica looks for recordings to expire, purge or hard-delete; 0 turns the schedule off. */
  RETENTION_SWEEP_INTERVAL: field.duration({ min: 0 }).default('1h'),
  /** A stage in progress this long with no result is stuck: the sweep fails it (INGEST.STAGE_STUCK) so a run can retry it. */
  STUCK_STAGE_AFTER: field.duration({ min: 60_000 }).default('6h'),
  /** How often one replica looks for stuck stages; 0ms turns the sweep off. */
  STUCK_SWEEP_INTERVAL: field.duration({ min: 0 }).default('15m'),
  /** How long planning the uploads waits for publishing to answer which presets a template names (then the message is retried). */
  PRESET_LOOKUP_TIMEOUT: field.duration({ min: 100 }).default('5s'),
  /** Zoom's REST API (tests and private deployments point it elsewhere). */
  ZOOM_API_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://api.zoom.us/v2'),
  /** Zoom's OAuth server (`/oauth/token`). */
  ZOOM_OAUTH_BASE_URL: field.url({ protocols: ['http', 'https'] }).default('https://zoom.us'),
  /**
   * The Zoom user-OAuth app accounts are connected through (`/api/v1/oauth/zoom/…`): the code is
   * exchanged, and the tokens refreshed, with its id and secret. Without them no Zoom account can be
   * connected (Server-to-Server credentials carry their own).
   */
  ZOOM_CLIENT_ID: field.string().default(''),
  ZOOM_CLIENT_SECRET: secret(field.string()).default(''),
  /** Source syncs one replica runs at once (each mostly waits on a platform's API). */
  INGEST_SYNC_CONCURRENCY: field.int({ min: 1, max: 64 }).default(2),
  /** How often each replica looks for automation jobs that are due; 0ms turns firing off on this replica. */
  AUTOMATION_POLL_INTERVAL: field.duration({ min: 0 }).default('15s'),
  /** Automation jobs a user may have (reference `max_automation_jobs`). */
  AUTOMATION_MAX_JOBS: field.int({ min: 0, max: 10_000 }).default(10),
  /** The shortest time an automation job's schedule may leave between two fires (reference `min_automation_interval_hours`). */
  AUTOMATION_MIN_INTERVAL: field.duration({ min: 0 }).default('1h'),
  /** Keys that seal source credentials (Zoom, Yandex Disk) at rest: `id:key,...`, the first seals. Without it no source credential can be stored. */
  CREDENTIALS_KEYRING: secret(field.string()).optional(),
  /** Keys the gateway seals new credentials with on their way here (the same value as the gateway's). */
  CREDENTIALS_TRANSIT_KEYRING: secret(field.string()).optional(),
});

export type IngestConfig = z.output<typeof ingestConfigSchema>;
