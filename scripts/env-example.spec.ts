import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigValidationError } from '../libs/config/src/errors';
import { fieldMeta } from '../libs/config/src/fields';
import { loadConfig } from '../libs/config/src/load-config';
import { gatewayConfigSchema } from '../services/gateway/src/config/config.schema';
import { ingestConfigSchema } from '../services/ingest/src/config/config.schema';
import { mediaProcessingConfigSchema } from '../services/media-processing/src/config/config.schema';
import { transcriptionConfigSchema } from '../services/transcription/src/config/config.schema';
import { publishingConfigSchema } from '../services/publishing/src/config/config.schema';
import { storageConfigSchema } from '../services/storage/src/config/config.schema';
import { quotaConfigSchema } from '../services/quota/src/config/config.schema';
import { embeddedConfigSchema } from '../services/embedded/src/config/config.schema';

const ROOT = join(__dirname, '..');

const SERVICES: ReadonlyArray<[string, z.AnyZodObject]> = [
  ['gateway', gatewayConfigSchema],
  ['ingest', ingestConfigSchema],
  ['media-processing', mediaProcessingConfigSchema],
  ['transcription', transcriptionConfigSchema],
  ['publishing', publishingConfigSchema],
  ['storage', storageConfigSchema],
  ['quota', quotaConfigSchema],
  ['embedded', embeddedConfigSchema],
];

interface ExampleEntry {
  key: string;
  value: string;
  /** Shown as `# KEY=value`: optional or set per process. */
  commented: boolean;
  line: number;
}

const ASSIGNMENT = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/;

function readExample(): { lines: string[]; entries: ExampleEntry[] } {
  const lines = readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n');
  const entries: ExampleEntry[] = [];
  lines.forEach((text, line) => {
    const match = ASSIGNMENT.exec(text.trim());
    if (match) entries.push({ key: match[2]!, value: match[3]!, commented: match[1] !== undefined, line });
  });
  return { lines, entries };
}

function envFrom(entries: readonly ExampleEntry[], withCommented: boolean): Record<string, string> {
  return Object.fromEntries(entries.filter((entry) => withCommented || !entry.commented).map((entry) => [entry.key, entry.value]));
}

const { lines, entries } = readExample();
const documented = new Set(entries.map((entry) => entry.key));
const schemaKeys = new Set(SERVICES.flatMap(([, schema]) => Object.keys(schema.shape)));

describe('.env.example', () => {
  it.each(SERVICES)('documents every key of the %s schema', (_service, schema) => {
    const missing = Object.keys(schema.shape).filter((key) => !documented.has(key));
    expect(missing).toEqual([]);
  });

  it('holds only keys that some service schema reads', () => {
    const unknown = [...documented].filter((key) => !schemaKeys.has(key));
    expect(unknown).toEqual([]);
  });

  it('documents each key once', () => {
    const seen = entries.map((entry) => entry.key);
    expect(seen.filter((key, index) => seen.indexOf(key) !== index)).toEqual([]);
  });

  it('explains each key in a comment just above it', () => {
    const unexplained = entries.filter((entry) => {
      const above = lines[entry.line - 1]?.trim() ?? '';
      return !above.startsWith('#') || ASSIGNMENT.test(above) || above.replace(/^#\s*/, '').length === 0;
    });
    expect(unexplained.map((entry) => entry.key)).toEqual([]);
  });

  it.each(SERVICES)('loads as it is for %s in development, with or without the commented examples', (service, schema) => {
    for (const withCommented of [false, true]) {
      const config = loadConfig(service, schema, envFrom(entries, withCommented));
      if ('NODE_ENV' in schema.shape) expect(config.NODE_ENV).toBe('development');
      else expect(Object.keys(config).sort()).toEqual(Object.keys(schema.shape).sort());
    }
  });

  it('uses a change-me placeholder for every secret it gives a value with credentials', () => {
    const secretKeys = [...schemaKeys].filter((key) => SERVICES.some(([, schema]) => schema.shape[key] && fieldMeta(schema.shape[key]).secret));
    expect(secretKeys.sort()).toEqual([
      'ASSEMBLYAI_API_KEY',
      'CREDENTIALS_KEYRING',
      'CREDENTIALS_TRANSIT_KEYRING',
      'DATABASE_URL',
      'GOOGLE_CLIENT_SECRET',
      'JWT_SECRET',
      'LLM_API_KEY',
      'MEDIA_URL_SECRET',
      'OAUTH_STATE_SECRET',
      'OPENAI_TRANSCRIPTION_API_KEY',
      'RABBITMQ_URL',
      'REDIS_URL',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'SMTP_URL',
      'TRANSCRIPTION_CREDENTIALS_KEYRING',
      'WEBHOOK_SECRETS_KEYRING',
      'YANDEX_CLIENT_SECRET',
      'ZOOM_CLIENT_SECRET',
    ]);
    for (const key of secretKeys) {
      const value = entries.find((entry) => entry.key === key)!.value;
      const credentialFreeUrl = /^[a-z]+:\/\/[^@]+$/.test(value);
      expect({ key, placeholder: value.includes('change-me') || credentialFreeUrl }).toEqual({ key, placeholder: true });
    }
  });

  it('is refused in production until the placeholders are replaced', () => {
    const env = { ...envFrom(entries, true), NODE_ENV: 'production', STORAGE_BACKEND: 's3' };
    let error: unknown;
    try {
      loadConfig('gateway', gatewayConfigSchema, env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).issues.map((issue) => issue.key)).toEqual([
      'DATABASE_URL',
      'RABBITMQ_URL',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'JWT_SECRET',
      'CREDENTIALS_TRANSIT_KEYRING',
      'OAUTH_STATE_SECRET',
      'MEDIA_URL_SECRET',
      'SMTP_URL',
      'WEBHOOK_SECRETS_KEYRING',
    ]);
    expect((error as ConfigValidationError).message).not.toContain('change-me-to-a-random');
  });
});

describe('docs/configuration.md', () => {
  const docs = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');

  it('describes every key', () => {
    const missing = [...schemaKeys].filter((key) => !docs.includes(`\`${key}\``));
    expect(missing).toEqual([]);
  });
});
