/**
 * docker-compose.yml and helm/leap give every service a configuration its schema accepts in
 * production, with the S3 backend set up for MinIO (path-style), so none of them stops at start.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { loadConfig } from '../libs/config/src/load-config';
import { createObjectStore } from '../libs/storage-client/src/create-object-store';
import { S3ObjectStore } from '../libs/storage-client/src/s3-object-store';
import { gatewayConfigSchema } from '../services/gateway/src/config/config.schema';
import { ingestConfigSchema } from '../services/ingest/src/config/config.schema';
import { mediaProcessingConfigSchema } from '../services/media-processing/src/config/config.schema';
import { transcriptionConfigSchema } from '../services/transcription/src/config/config.schema';
import { publishingConfigSchema } from '../services/publishing/src/config/config.schema';
import { storageConfigSchema } from '../services/storage/src/config/config.schema';
import { quotaConfigSchema } from '../services/quota/src/config/config.schema';

// js-yaml (through eslint) ships no type declarations; only its loader is needed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

const ROOT = join(__dirname, '..');
const SCHEMAS: Record<string, z.AnyZodObject> = {
  gateway: gatewayConfigSchema,
  ingest: ingestConfigSchema,
  'media-processing': mediaProcessingConfigSchema,
  transcription: transcriptionConfigSchema,
  publishing: publishingConfigSchema,
  storage: storageConfigSchema,
  quota: quotaConfigSchema,
};
/** What an operator supplies: the JWT secret and the webhook keyring for compose, the Secret's keys for Helm. */
const STRONG = 'f3Kq9Zr7Lw2Xv8Ny4Tb6Pm1Hc5Jd0Gs-Ue';
const KEYRING = 'w1:q7bW3nK8yTzV1cR5mX9sL2pD6fH0jA4eG8uI3oN7kQc=';

function strings(env: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([k, v]) => [k, String(v)]));
}

/** The uncommented assignments of .env.example, as compose's env_file reads them. */
function envFile(): Record<string, string> {
  const entries = readFileSync(join(ROOT, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null);
  return Object.fromEntries(entries.map((m) => [m[1]!, m[2]!]));
}

function expectS3OnMinio(config: Record<string, unknown>): void {
  expect(config).toMatchObject({ STORAGE_BACKEND: 's3', S3_FORCE_PATH_STYLE: true, S3_BUCKET: 'leap', S3_ENDPOINT: 'http://minio:9000' });
  const store = createObjectStore(config as unknown as Parameters<typeof createObjectStore>[0]);
  expect(store).toBeInstanceOf(S3ObjectStore);
  (store as S3ObjectStore).close();
}

describe('docker-compose.yml', () => {
  const compose = yaml.load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, unknown>; depends_on?: Record<string, unknown>; build?: { args?: { SERVICE?: string } } }>;
  };
  const services = Object.entries(compose.services).filter(([, s]) => s.build?.args?.SERVICE);

  it('runs the seven services', () => {
    expect(services.map(([name]) => name).sort()).toEqual(Object.keys(SCHEMAS).sort());
  });

  it.each(Object.keys(SCHEMAS))('gives %s a production configuration on MinIO, started after the bucket exists', (name) => {
    const service = compose.services[name]!;
    const env = { ...envFile(), ...strings(service.environment), JWT_SECRET: STRONG, WEBHOOK_SECRETS_KEYRING: KEYRING };
    expectS3OnMinio(loadConfig(name, SCHEMAS[name]!, env));
    expect(service.depends_on).toMatchObject({ 'minio-init': { condition: 'service_completed_successfully' } });
  });
});

describe('helm/leap', () => {
  const values = yaml.load(readFileSync(join(ROOT, 'helm/leap/values.yaml'), 'utf8')) as {
    env: Record<string, unknown>;
    services: Record<string, { env?: Record<string, unknown> }>;
  };
  const secret = {
    DATABASE_URL: 'postgres://leap:a-real-password@postgres:5432/leap',
    RABBITMQ_URL: 'amqp://leap:a-real-password@rabbitmq:5672',
    JWT_SECRET: STRONG,
    WEBHOOK_SECRETS_KEYRING: KEYRING,
    S3_ACCESS_KEY_ID: 'leap-access-key',
    S3_SECRET_ACCESS_KEY: STRONG,
  };

  it.each(Object.keys(SCHEMAS))('gives %s a production configuration on MinIO from the values and the Secret', (name) => {
    const env = { ...strings(values.env), ...strings(values.services[name]?.env), ...secret };
    expectS3OnMinio(loadConfig(name, SCHEMAS[name]!, env));
  });
});
