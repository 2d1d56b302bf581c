import { z } from 'zod';
import { baseConfigSchema } from './base.schema';
import { ConfigValidationError } from './errors';
import { field } from './fields';
import { loadConfig, loadConfigOrExit, maskUrlPassword } from './load-config';

const minimal = {
  DATABASE_URL: 'postgres://leap:pw@localhost:5432/leap',
  RABBITMQ_URL: 'amqp://leap:pw@localhost:5672',
};

/** Runs loadConfig and returns the error it throws, failing the test when it does not throw. */
function problemsOf(run: () => unknown): ConfigValidationError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('loadConfig with the base schema', () => {
  it('fills every default from a minimal environment', () => {
    const config = loadConfig('media-processing', baseConfigSchema, minimal);
    expect(config).toEqual({
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'pretty',
      SERVICE_VERSION: '0.1.0',
      PORT: 3000,
      DATABASE_URL: minimal.DATABASE_URL,
      DATABASE_SCHEMA: 'media_processing',
      DATABASE_POOL_SIZE: 10,
      DATABASE_IDLE_IN_TRANSACTION_TIMEOUT: 60_000,
      MESSAGING_TRANSPORT: 'amqp',
      RABBITMQ_URL: minimal.RABBITMQ_URL,
      MESSAGING_PREFETCH: 16,
      MESSAGING_IMMEDIATE_RETRIES: 2,
      MESSAGING_RETRY_TIERS: [10_000, 60_000, 600_000],
      MESSAGING_DELIVERY_LIMIT: 5,
      OUTBOX_POLL_INTERVAL_MS: 1000,
      OUTBOX_MAX_ATTEMPTS: 10,
      SHUTDOWN_TIMEOUT_MS: 15000,
      JOBS_LEASE: 30_000,
      JOBS_MAX_ATTEMPTS: 5,
      JOBS_RETRY_BACKOFF: 5_000,
      JOBS_RETRY_BACKOFF_MAX: 300_000,
      JOBS_POLL_INTERVAL: 1_000,
      JOBS_RETENTION: 7 * 86_400_000,
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      STORAGE_BACKEND: 'local',
      STORAGE_LOCAL_ROOT: './.leap/storage',
      S3_BUCKET: undefined,
      S3_REGION: undefined,
      S3_ENDPOINT: undefined,
      S3_ACCESS_KEY_ID: undefined,
      S3_SECRET_ACCESS_KEY: undefined,
      S3_PREFIX: undefined,
      S3_FORCE_PATH_STYLE: false,
      S3_PUBLIC_ENDPOINT: undefined,
      S3_PART_SIZE: 8 * 1024 * 1024,
      S3_UPLOAD_CONCURRENCY: 4,
    });
  });

  it('parses explicit values into their types', () => {
    const config = loadConfig('quota', baseConfigSchema, {
      ...minimal,
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      PORT: '8080',
      DATABASE_SCHEMA: 'quota_blue',
      DATABASE_POOL_SIZE: ' 25 ',
      MESSAGING_RETRY_TIERS: '5s, 30s,5m,1h',
      SERVICE_VERSION: '2.3.4',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
    expect(config).toMatchObject({
      NODE_ENV: 'test',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      PORT: 8080,
      DATABASE_SCHEMA: 'quota_blue',
      DATABASE_POOL_SIZE: 25,
      MESSAGING_RETRY_TIERS: [5_000, 30_000, 300_000, 3_600_000],
      SERVICE_VERSION: '2.3.4',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
    });
  });

  it('writes JSON logs by default outside development and honours an explicit LOG_FORMAT', () => {
    expect(loadConfig('quota', baseConfigSchema, { ...minimal, NODE_ENV: 'production' }).LOG_FORMAT).toBe('json');
    expect(loadConfig('quota', baseConfigSchema, { ...minimal, NODE_ENV: 'test' }).LOG_FORMAT).toBe('json');
    expect(loadConfig('quota', baseConfigSchema, { ...minimal, LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(loadConfig('quota', baseConfigSchema, { ...minimal, NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
  });

  it('treats empty values as unset', () => {
    const config = loadConfig('storage', baseConfigSchema, { ...minimal, PORT: '', LOG_LEVEL: '   ', OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    expect(config.PORT).toBe(3000);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
  });

  it('returns a frozen object holding only the schema keys', () => {
    const config = loadConfig('storage', baseConfigSchema, { ...minimal, HOME: '/root', UNRELATED: 'x' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(config).not.toHaveProperty('HOME');
    expect(config).not.toHaveProperty('UNRELATED');
  });

  it('lists every bad or missing key at once, one per line, in schema order', () => {
    const error = problemsOf(() =>
      loadConfig('ingest', baseConfigSchema, {
        NODE_ENV: 'prod',
        PORT: 'abc',
        DATABASE_POOL_SIZE: '2.5',
        MESSAGING_RETRY_TIERS: '10s,soon',
        OUTBOX_MAX_ATTEMPTS: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        STORAGE_BACKEND: 'ftp',
      }),
    );
    expect(error.message).toBe(
      [
        'Invalid configuration for ingest (9 problems):',
        '  - NODE_ENV: expected one of development, test, production, got "prod"',
        '  - PORT: expected a port number (1-65535), got "abc"',
        '  - DATABASE_URL: required',
        '  - DATABASE_POOL_SIZE: expected a whole number, got "2.5"',
        '  - RABBITMQ_URL: required when MESSAGING_TRANSPORT=amqp',
        '  - MESSAGING_RETRY_TIERS: "soon" is not a duration such as 250ms, 10s, 1m, 2h or 30d, got "10s,soon"',
        '  - OUTBOX_MAX_ATTEMPTS: must be at least 1, got "0"',
        '  - OTEL_EXPORTER_OTLP_ENDPOINT: expected a URL starting with http:// or https://, got "collector:4318"',
        '  - STORAGE_BACKEND: expected one of local, s3, got "ftp"',
      ].join('\n'),
    );
    expect(error.issues.map((issue) => issue.key)).toEqual([
      'NODE_ENV',
      'PORT',
      'DATABASE_URL',
      'DATABASE_POOL_SIZE',
      'RABBITMQ_URL',
      'MESSAGING_RETRY_TIERS',
      'OUTBOX_MAX_ATTEMPTS',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'STORAGE_BACKEND',
    ]);
    expect(error.service).toBe('ingest');
    expect(error.code).toBe('CONFIG.INVALID');
  });

  it('says "1 problem" for a single one', () => {
    const error = problemsOf(() => loadConfig('quota', baseConfigSchema, { RABBITMQ_URL: minimal.RABBITMQ_URL }));
    expect(error.message).toBe('Invalid configuration for quota (1 problem):\n  - DATABASE_URL: required');
  });

  it('masks credentials of a non-secret URL it echoes', () => {
    const error = problemsOf(() => loadConfig('quota', baseConfigSchema, { ...minimal, OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://otel:hunter2@collector' }));
    expect(error.message).toContain('got "grpc://otel:***@collector"');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('cross-field rules', () => {
  it('does not need RABBITMQ_URL with the postgres transport', () => {
    const config = loadConfig('ingest', baseConfigSchema, { DATABASE_URL: minimal.DATABASE_URL, MESSAGING_TRANSPORT: 'postgres' });
    expect(config.MESSAGING_TRANSPORT).toBe('postgres');
    expect(config.RABBITMQ_URL).toBeUndefined();
  });

  it('requires RABBITMQ_URL when the transport is amqp, set or defaulted', () => {
    for (const env of [{ DATABASE_URL: minimal.DATABASE_URL }, { DATABASE_URL: minimal.DATABASE_URL, MESSAGING_TRANSPORT: 'amqp' }]) {
      const error = problemsOf(() => loadConfig('ingest', baseConfigSchema, env));
      expect(error.issues).toEqual([{ key: 'RABBITMQ_URL', message: 'required when MESSAGING_TRANSPORT=amqp' }]);
    }
  });

  it('still validates RABBITMQ_URL when the transport does not need it', () => {
    const error = problemsOf(() =>
      loadConfig('ingest', baseConfigSchema, { DATABASE_URL: minimal.DATABASE_URL, MESSAGING_TRANSPORT: 'postgres', RABBITMQ_URL: 'http://x' }),
    );
    expect(error.issues).toEqual([{ key: 'RABBITMQ_URL', message: 'expected a URL starting with amqp:// or amqps://' }]);
  });

  it('requires every S3 key when STORAGE_BACKEND=s3', () => {
    const error = problemsOf(() => loadConfig('storage', baseConfigSchema, { ...minimal, STORAGE_BACKEND: 's3' }));
    expect(error.issues).toEqual(
      ['S3_BUCKET', 'S3_REGION', 'S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].map((key) => ({
        key,
        message: 'required when STORAGE_BACKEND=s3',
      })),
    );
  });

  it('accepts a complete S3 configuration', () => {
    const config = loadConfig('storage', baseConfigSchema, {
      ...minimal,
      STORAGE_BACKEND: 's3',
      S3_BUCKET: 'leap',
      S3_REGION: 'eu-central-1',
      S3_ENDPOINT: 'http://minio:9000',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
    });
    expect(config).toMatchObject({ STORAGE_BACKEND: 's3', S3_BUCKET: 'leap', S3_ENDPOINT: 'http://minio:9000' });
  });

  it('skips the condition when the key it depends on is itself bad', () => {
    const error = problemsOf(() => loadConfig('ingest', baseConfigSchema, { DATABASE_URL: minimal.DATABASE_URL, MESSAGING_TRANSPORT: 'kafka' }));
    expect(error.issues.map((issue) => issue.key)).toEqual(['MESSAGING_TRANSPORT']);
  });

  it('runs extra rules given in the options, unless a key they read is already bad', () => {
    const schema = z.object({ MIN: field.int(), MAX: field.int() });
    const rules = [
      {
        keys: ['MIN', 'MAX'],
        check: (config: Readonly<Record<string, unknown>>, report: (key: string, message: string) => void) => {
          if ((config.MIN as number) > (config.MAX as number)) report('MAX', 'must not be below MIN');
        },
      },
    ];
    expect(loadConfig('quota', schema, { MIN: '1', MAX: '5' }, { rules })).toEqual({ MIN: 1, MAX: 5 });
    expect(problemsOf(() => loadConfig('quota', schema, { MIN: '9', MAX: '5' }, { rules })).issues).toEqual([
      { key: 'MAX', message: 'must not be below MIN' },
    ]);
    expect(problemsOf(() => loadConfig('quota', schema, { MIN: 'x', MAX: '5' }, { rules })).issues.map((i) => i.key)).toEqual(['MIN']);
  });
});

describe('loadConfigOrExit', () => {
  it('prints the list of problems to stderr and exits with code 1', () => {
    const written: string[] = [];
    const exit = jest.fn((code: number): never => {
      throw new Error(`exit ${code}`);
    });
    expect(() => loadConfigOrExit('quota', baseConfigSchema, { PORT: 'abc' }, { stderr: { write: (text) => written.push(text) }, exit })).toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(written.join('')).toBe(
      'Invalid configuration for quota (3 problems):\n' +
        '  - PORT: expected a port number (1-65535), got "abc"\n' +
        '  - DATABASE_URL: required\n' +
        '  - RABBITMQ_URL: required when MESSAGING_TRANSPORT=amqp\n',
    );
  });

  it('returns the configuration when it is valid', () => {
    const exit = jest.fn((): never => {
      throw new Error('must not exit');
    });
    expect(loadConfigOrExit('quota', baseConfigSchema, minimal, { exit }).DATABASE_SCHEMA).toBe('quota');
    expect(exit).not.toHaveBeenCalled();
  });
});

describe('maskUrlPassword', () => {
  it('masks passwords and leaves URLs without credentials alone', () => {
    expect(maskUrlPassword('amqp://user:pass@host:5672/vh')).toBe('amqp://user:***@host:5672/vh');
    expect(maskUrlPassword('see postgres://a:b@db/x and redis://:p@cache')).toBe('see postgres://a:***@db/x and redis://:***@cache');
    expect(maskUrlPassword('postgres://db:5432/leap')).toBe('postgres://db:5432/leap');
    expect(maskUrlPassword('http://user@host')).toBe('http://user@host');
  });
});
