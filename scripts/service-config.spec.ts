/** The services' config schemas on top of @leap/config: secrets in production and service keys. */
import { z } from 'zod';
import { baseConfigSchema, schemaNameFor } from '../libs/config/src/base.schema';
import { ConfigValidationError } from '../libs/config/src/errors';
import { field, fieldMeta, requiredWhen, secret } from '../libs/config/src/fields';
import { loadConfig, redactConfig } from '../libs/config/src/load-config';
import { gatewayConfigSchema } from '../services/gateway/src/config/config.schema';
import { mediaProcessingConfigSchema } from '../services/media-processing/src/config/config.schema';

const STRONG_SECRET = 'f3Kq9Zr7Lw2Xv8Ny4Tb6Pm1Hc5Jd0Gs-Ue';

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

describe('secrets', () => {
  const gatewayEnv = { ...minimal, JWT_SECRET: STRONG_SECRET, WEBHOOK_SECRETS_KEYRING: `w1:${'ab'.repeat(32)}` };

  it('refuses the placeholder JWT_SECRET in production without showing it', () => {
    const placeholder = 'change-me-to-a-random-string-of-at-least-32-characters';
    const error = problemsOf(() => loadConfig('gateway', gatewayConfigSchema, { ...gatewayEnv, NODE_ENV: 'production', JWT_SECRET: placeholder }));
    expect(error.issues).toEqual([
      { key: 'JWT_SECRET', message: 'still holds the change-me placeholder from .env.example; set a real secret in production' },
    ]);
    expect(error.message).not.toContain(placeholder);
  });

  it('refuses a short JWT_SECRET in production without showing it', () => {
    const error = problemsOf(() => loadConfig('gateway', gatewayConfigSchema, { ...gatewayEnv, NODE_ENV: 'production', JWT_SECRET: 'tiny-but-real' }));
    expect(error.issues).toEqual([{ key: 'JWT_SECRET', message: 'too weak for production: must be at least 32 characters (has 13)' }]);
    expect(error.message).not.toContain('tiny-but-real');
  });

  it('accepts a strong JWT_SECRET in production', () => {
    const config = loadConfig('gateway', gatewayConfigSchema, { ...gatewayEnv, NODE_ENV: 'production' });
    expect(config.JWT_SECRET).toBe(STRONG_SECRET);
    expect(config.NODE_ENV).toBe('production');
  });

  it('accepts weak and placeholder secrets outside production', () => {
    for (const NODE_ENV of ['development', 'test']) {
      expect(loadConfig('gateway', gatewayConfigSchema, { ...gatewayEnv, NODE_ENV, JWT_SECRET: 'change-me' }).JWT_SECRET).toBe('change-me');
    }
  });

  it('refuses placeholder credentials in production URLs and S3 keys, listing them together', () => {
    const error = problemsOf(() =>
      loadConfig('gateway', gatewayConfigSchema, {
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://leap:change-me@db/leap',
        RABBITMQ_URL: 'amqp://leap:CHANGE-ME@mq',
        STORAGE_BACKEND: 's3',
        S3_BUCKET: 'leap',
        S3_REGION: 'eu',
        S3_ENDPOINT: 'https://s3.eu.example.org',
        S3_ACCESS_KEY_ID: 'change-me',
        S3_SECRET_ACCESS_KEY: 'change-me',
        JWT_SECRET: 'short',
        WEBHOOK_SECRETS_KEYRING: 'w1:change-me-to-32-random-bytes-in-base64',
      }),
    );
    expect(error.issues.map((issue) => issue.key)).toEqual(['DATABASE_URL', 'RABBITMQ_URL', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'JWT_SECRET', 'WEBHOOK_SECRETS_KEYRING']);
  });

  it('never echoes a secret value that fails to parse', () => {
    const error = problemsOf(() => loadConfig('gateway', gatewayConfigSchema, { ...gatewayEnv, DATABASE_URL: 'mysql://root:s3cr3t@db/leap' }));
    expect(error.issues).toEqual([{ key: 'DATABASE_URL', message: 'expected a URL starting with postgres:// or postgresql://' }]);
    expect(error.message).not.toContain('s3cr3t');
    expect(error.message).not.toContain('mysql');
  });

  it('hides quoted parts of a secret list item in messages', () => {
    const schema = z.object({ TOKENS: secret(field.list({ item: (v) => (v.length < 4 ? 'is too short' : undefined) })) });
    const error = problemsOf(() => loadConfig('gateway', schema, { TOKENS: 'abcdef,xyz' }));
    expect(error.issues).toEqual([{ key: 'TOKENS', message: '"[REDACTED]" is too short' }]);
  });

  it('keeps the secret marker through extend(), optional() and default()', () => {
    expect(fieldMeta(gatewayConfigSchema.shape.JWT_SECRET).secret).toEqual({ minLength: 32 });
    expect(fieldMeta(gatewayConfigSchema.shape.DATABASE_URL).secret).toEqual({ minLength: 0 });
    expect(fieldMeta(secret(field.string(), { minLength: 8 }).default('x')).secret).toEqual({ minLength: 8 });
    expect(fieldMeta(requiredWhen('A', ['b', 'c'], secret(field.string())))).toEqual({
      secret: { minLength: 0 },
      requiredWhen: { key: 'A', values: ['b', 'c'] },
    });
    expect(fieldMeta(gatewayConfigSchema.shape.PORT).secret).toBeUndefined();
  });

  it('redacts secrets and URL credentials when the configuration is printed', () => {
    const config = loadConfig('gateway', gatewayConfigSchema, { ...gatewayEnv, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:p@otel:4318' });
    const printable = redactConfig(gatewayConfigSchema, config);
    expect(printable.JWT_SECRET).toBe('[REDACTED]');
    expect(printable.DATABASE_URL).toBe('[REDACTED]');
    expect(printable.RABBITMQ_URL).toBe('[REDACTED]');
    expect(printable.REDIS_URL).toBeUndefined();
    expect(printable.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://u:***@otel:4318');
    expect(printable.PORT).toBe(3000);
    expect(JSON.stringify(printable)).not.toContain(STRONG_SECRET);
  });
});

describe('service schemas', () => {
  it('parses the gateway keys', () => {
    const config = loadConfig('gateway', gatewayConfigSchema, {
      ...minimal,
      JWT_SECRET: STRONG_SECRET,
      JWT_ACCESS_TTL: '5m',
      UPLOAD_MAX_BYTES: '500MB',
      CORS_ORIGINS: 'http://localhost:5173, https://app.example.org',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_SCHEMA: 'gateway',
      JWT_ACCESS_TTL: 300_000,
      JWT_REFRESH_TTL: 30 * 86_400_000,
      UPLOAD_MAX_BYTES: 500_000_000,
      CORS_ORIGINS: ['http://localhost:5173', 'https://app.example.org'],
      REDIS_URL: 'redis://cache:6379',
    });
  });

  it('applies the gateway defaults', () => {
    const config = loadConfig('gateway', gatewayConfigSchema, { ...minimal, JWT_SECRET: STRONG_SECRET });
    expect(config.JWT_ACCESS_TTL).toBe(15 * 60_000);
    expect(config.UPLOAD_MAX_BYTES).toBe(5 * 1024 ** 3);
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('reports gateway problems together with base problems', () => {
    const error = problemsOf(() =>
      loadConfig('gateway', gatewayConfigSchema, { RABBITMQ_URL: minimal.RABBITMQ_URL, JWT_ACCESS_TTL: '15', CORS_ORIGINS: 'https://ok.example.org,ftp://x/y' }),
    );
    expect(error.issues).toEqual([
      { key: 'DATABASE_URL', message: 'required' },
      { key: 'JWT_SECRET', message: 'required' },
      { key: 'JWT_ACCESS_TTL', message: 'expected a duration such as 250ms, 10s, 1m, 2h or 30d, got "15"' },
      { key: 'CORS_ORIGINS', message: '"ftp://x/y" is not an origin such as https://app.example.org, got "https://ok.example.org,ftp://x/y"' },
    ]);
  });

  it('parses the media-processing keys with their defaults and bounds', () => {
    const config = loadConfig('media-processing', mediaProcessingConfigSchema, { ...minimal, TRIM_PADDING_SECONDS: '1.5' });
    expect(config).toMatchObject({
      PORT: 3002,
      DATABASE_SCHEMA: 'media_processing',
      TRIM_SILENCE_THRESHOLD_DB: -40,
      TRIM_MIN_SILENCE_SECONDS: 2,
      TRIM_PADDING_SECONDS: 1.5,
    });
    const error = problemsOf(() => loadConfig('media-processing', mediaProcessingConfigSchema, { ...minimal, TRIM_SILENCE_THRESHOLD_DB: '10' }));
    expect(error.issues).toEqual([{ key: 'TRIM_SILENCE_THRESHOLD_DB', message: 'must be at most 0, got "10"' }]);
  });

  it('derives the database schema name from the service name', () => {
    expect(schemaNameFor('media-processing')).toBe('media_processing');
    expect(schemaNameFor('gateway')).toBe('gateway');
    const error = problemsOf(() => loadConfig('ingest', baseConfigSchema, { ...minimal, DATABASE_SCHEMA: 'Bad-Name' }));
    expect(error.issues).toEqual([
      { key: 'DATABASE_SCHEMA', message: 'expected a lower-case SQL identifier (letters, digits, _), got "Bad-Name"' },
    ]);
  });
});

