import { z } from 'zod';
import { derivedDefault, field, requiredWhen, secret } from './fields';
import { rootPackageVersion } from './version';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

/** winston's npm levels, most to least severe. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const MESSAGING_TRANSPORTS = ['amqp', 'postgres'] as const;
export type MessagingTransport = (typeof MESSAGING_TRANSPORTS)[number];

/** OTLP/HTTP encodings the trace exporter speaks. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const STORAGE_BACKENDS = ['local', 's3'] as const;
export type StorageBackend = (typeof STORAGE_BACKENDS)[number];

/** The Postgres schema a service owns by default: its name with `-` replaced by `_` (`media-processing` -> `media_processing`). */
export function schemaNameFor(service: string): string {
  return service.replace(/-/g, '_');
}

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Keys every service reads. A service schema extends it:
 * `baseConfigSchema.extend({ PORT: field.port().default(3001), ... })`.
 * `LOG_FORMAT`, `SERVICE_VERSION` and `DATABASE_SCHEMA` get their defaults from `loadConfig`.
 */
export const baseConfigSchema = z.object({
  NODE_ENV: field.enum(NODE_ENVS).default('development'),
  LOG_LEVEL: field.enum(LOG_LEVELS).default('info'),
  LOG_FORMAT: derivedDefault(field.enum(LOG_FORMATS), (config) => (config.NODE_ENV === 'development' ? 'pretty' : 'json')),
  SERVICE_VERSION: derivedDefault(field.string(), () => rootPackageVersion()),
  PORT: field.port().default(3000),

  DATABASE_URL: secret(field.url({ protocols: ['postgres', 'postgresql'] })),
  DATABASE_SCHEMA: derivedDefault(
    field.string({ pattern: SQL_IDENTIFIER, patternHint: 'a lower-case SQL identifier (letters, digits, _)' }),
    (_config, { service }) => schemaNameFor(service),
  ),
  DATABASE_POOL_SIZE: field.int({ min: 1, max: 1000 }).default(10),
  /** The server ends a session left idle inside a transaction this long (0 turns the guard off). */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: field.duration({ min: 0 }).default('60s'),

  MESSAGING_TRANSPORT: field.enum(MESSAGING_TRANSPORTS).default('amqp'),
  RABBITMQ_URL: secret(requiredWhen('MESSAGING_TRANSPORT', 'amqp', field.url({ protocols: ['amqp', 'amqps'] }))),
  MESSAGING_PREFETCH: field.int({ min: 1, max: 65535 }).default(16),
  MESSAGING_IMMEDIATE_RETRIES: field.int({ min: 0, max: 100 }).default(2),
  MESSAGING_RETRY_TIERS: field.durationList().default('10s,1m,10m'),
  MESSAGING_DELIVERY_LIMIT: field.int({ min: 1 }).default(5),

  OUTBOX_POLL_INTERVAL_MS: field.int({ min: 10 }).default(1000),
  OUTBOX_MAX_ATTEMPTS: field.int({ min: 1 }).default(10),
  SHUTDOWN_TIMEOUT_MS: field.int({ min: 0 }).default(15000),

  /** Durable jobs (services that run long work): see docs/jobs.md. */
  JOBS_LEASE: field.duration({ min: 300 }).default('30s'),
  JOBS_MAX_ATTEMPTS: field.int({ min: 1, max: 100 }).default(5),
  JOBS_RETRY_BACKOFF: field.duration({ min: 1 }).default('5s'),
  JOBS_RETRY_BACKOFF_MAX: field.duration({ min: 1 }).default('5m'),
  JOBS_POLL_INTERVAL: field.duration({ min: 10 }).default('1s'),
  JOBS_RETENTION: field.duration({ min: 60_000 }).default('7d'),

  /** Traces go to `<endpoint>/v1/traces` when set; nothing is exported when unset (see docs/architecture.md, Tracing). */
  OTEL_EXPORTER_OTLP_ENDPOINT: field.url({ protocols: ['http', 'https'] }).optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: field.enum(OTLP_PROTOCOLS).default('http/protobuf'),

  STORAGE_BACKEND: field.enum(STORAGE_BACKENDS).default('local'),
  STORAGE_LOCAL_ROOT: field.string().default('./.leap/storage'),
  S3_BUCKET: requiredWhen('STORAGE_BACKEND', 's3', field.string()),
  S3_REGION: requiredWhen('STORAGE_BACKEND', 's3', field.string()),
  S3_ENDPOINT: requiredWhen('STORAGE_BACKEND', 's3', field.url({ protocols: ['http', 'https'] })),
  S3_ACCESS_KEY_ID: secret(requiredWhen('STORAGE_BACKEND', 's3', field.string())),
  S3_SECRET_ACCESS_KEY: secret(requiredWhen('STORAGE_BACKEND', 's3', field.string())),
  /** Put before every key in the bucket (`leap` gives `leap/users/...`), so several deployments can share one bucket. */
  S3_PREFIX: field.string({ pattern: /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*\/?$/, patternHint: 'path segments of letters, digits and ._- separated by /' }).optional(),
  /** Path-style addressing (`endpoint/bucket/key`): MinIO and most S3-compatible stores need it. */
  S3_FORCE_PATH_STYLE: field.boolean().default(false),
  /** The endpoint written into presigned URLs when clients reach the store by another address than the services. */
  S3_PUBLIC_ENDPOINT: field.url({ protocols: ['http', 'https'] }).optional(),
  /** Objects above this size go up as a multipart upload in parts of this size (S3's minimum is 5 MiB). */
  S3_PART_SIZE: field.byteSize({ min: 5 * 1024 * 1024, max: 5 * 1024 * 1024 * 1024 }).default('8MiB'),
  /** Parts of one upload in flight at once; memory per upload is about S3_PART_SIZE times this. */
  S3_UPLOAD_CONCURRENCY: field.int({ min: 1, max: 64 }).default(4),
});

export type BaseConfig = z.output<typeof baseConfigSchema>;
