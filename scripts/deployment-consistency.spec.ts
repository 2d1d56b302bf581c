/**
 * The pieces of docker-compose.yml and helm/leap that must agree with each other and with what the
 * code reads, checked without running a container: ports, probes, the MinIO bucket and
 * credentials, the Secret's keys, the seven services.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { loadConfig } from '../libs/config/src/load-config';
import { gatewayConfigSchema } from '../services/gateway/src/config/config.schema';
import { ingestConfigSchema } from '../services/ingest/src/config/config.schema';
import { mediaProcessingConfigSchema } from '../services/media-processing/src/config/config.schema';
import { transcriptionConfigSchema } from '../services/transcription/src/config/config.schema';
import { publishingConfigSchema } from '../services/publishing/src/config/config.schema';
import { storageConfigSchema } from '../services/storage/src/config/config.schema';
import { quotaConfigSchema } from '../services/quota/src/config/config.schema';

// eslint-disable-next-line @typescript-eslint/no-require-imports
/** What an operator supplies for the gateway's webhook secrets at rest (32 bytes in base64). */
const KEYRING = 'w1:q7bW3nK8yTzV1cR5mX9sL2pD6fH0jA4eG8uI3oN7kQc=';
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
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const HEALTH = read('libs/platform/src/health.controller.ts');

interface ComposeService {
  environment?: Record<string, unknown>;
  ports?: string[];
  command?: string | string[];
  entrypoint?: string[];
  healthcheck?: { test: string[] };
  build?: { args?: { SERVICE?: string } };
}

describe('docker-compose.yml on MinIO', () => {
  const compose = yaml.load(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
  const apps = Object.entries(compose.services).filter(([, s]) => s.build?.args?.SERVICE);
  const env = (name: string) => Object.fromEntries(Object.entries(compose.services[name]!.environment ?? {}).map(([k, v]) => [k, String(v)]));
  const minio = compose.services.minio!;
  const init = compose.services['minio-init']!.entrypoint!.join(' ');

  it('builds each of the seven services as the image that runs it', () => {
    expect(Object.fromEntries(apps.map(([name, s]) => [name, s.build!.args!.SERVICE]))).toEqual(Object.fromEntries(Object.keys(SCHEMAS).map((n) => [n, n])));
  });

  it.each(Object.keys(SCHEMAS))('points %s at the MinIO of the stack, with its credentials and the bucket minio-init creates', (name) => {
    const e = env(name);
    const endpoint = new URL(e.S3_ENDPOINT!);
    expect(compose.services[endpoint.hostname]).toBe(minio);
    // MinIO serves the S3 API on :9000 unless its command says otherwise.
    expect(String(minio.command)).not.toMatch(/--address/);
    expect(endpoint.port).toBe('9000');
    expect(minio.environment).toMatchObject({ MINIO_ROOT_USER: e.S3_ACCESS_KEY_ID, MINIO_ROOT_PASSWORD: e.S3_SECRET_ACCESS_KEY });
    expect(init).toContain(`mc alias set leap ${e.S3_ENDPOINT} ${e.S3_ACCESS_KEY_ID} ${e.S3_SECRET_ACCESS_KEY}`);
    expect(init).toContain(`mc mb --ignore-existing leap/${e.S3_BUCKET}`);
    // Presigned media URLs name the address a browser on the host reaches MinIO at: a published port.
    const publicPort = new URL(e.S3_PUBLIC_ENDPOINT!).port;
    expect(minio.ports).toContain(`${publicPort}:9000`);
  });

  it.each(Object.keys(SCHEMAS))('checks %s health on the port it listens on, at a route the platform serves', (name) => {
    const e = env(name);
    const config = loadConfig(name, SCHEMAS[name]!, { ...e, JWT_SECRET: 'f3Kq9Zr7Lw2Xv8Ny4Tb6Pm1Hc5Jd0Gs-Ue', WEBHOOK_SECRETS_KEYRING: KEYRING });
    const probe = new URL(/fetch\('([^']+)'\)/.exec(compose.services[name]!.healthcheck!.test.join(' '))![1]!);
    expect(probe.port).toBe(String(config.PORT));
    expect(probe.pathname).toBe('/health/ready');
    expect(HEALTH).toContain("@Controller('health')");
    expect(HEALTH).toContain("@Get('ready')");
  });

  it('publishes the gateway on the port it listens on', () => {
    const port = loadConfig('gateway', gatewayConfigSchema, { ...env('gateway'), JWT_SECRET: 'f3Kq9Zr7Lw2Xv8Ny4Tb6Pm1Hc5Jd0Gs-Ue', WEBHOOK_SECRETS_KEYRING: KEYRING }).PORT;
    expect(compose.services.gateway!.ports).toEqual([`3000:${port}`]);
    expect(env('gateway').PUBLIC_BASE_URL).toBe('http://localhost:3000');
  });
});

describe('helm/leap on MinIO', () => {
  const values = yaml.load(read('helm/leap/values.yaml')) as {
    env: Record<string, string>;
    existingSecret: string;
    services: Record<string, { replicas: number; minReplicas: number; maxReplicas: number; env?: Record<string, string> }>;
  };
  const template = read('helm/leap/templates/services.yaml');
  const valuesText = read('helm/leap/values.yaml');

  it('deploys the seven services with replicas inside their autoscaling bounds', () => {
    expect(Object.keys(values.services).sort()).toEqual(Object.keys(SCHEMAS).sort());
    for (const [name, s] of Object.entries(values.services)) {
      expect({ name, inside: s.minReplicas <= s.replicas && s.replicas <= s.maxReplicas }).toEqual({ name, inside: true });
    }
  });

  it('listens, and is probed, on the port the template gives it, at the platform health routes', () => {
    const port = /- \{ name: PORT, value: "(\d+)" \}/.exec(template)![1];
    expect(template).toContain(`containerPort: ${port}`);
    expect(template).toContain('livenessProbe: { httpGet: { path: /health/live, port: http }');
    expect(template).toContain('readinessProbe: { httpGet: { path: /health/ready, port: http }');
    expect(HEALTH).toContain("@Get('live')");
    // The template passes SERVICE, which the image's command starts.
    expect(template).toContain('- { name: SERVICE, value: {{ $name | quote }} }');
    expect(read('Dockerfile')).toContain('node scripts/start-service.js \\"$SERVICE\\"');
  });

  it('takes from the Secret exactly the secret keys the services need, and names them in the values', () => {
    expect(template).toContain('secretRef: { name: {{ $.Values.existingSecret }} }');
    const listed = /keys: ([^)]*)\)/.exec(valuesText.replace(/\n# /g, ' '))![1]!;
    for (const key of ['DATABASE_URL', 'RABBITMQ_URL', 'JWT_SECRET', 'WEBHOOK_SECRETS_KEYRING', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) expect(listed).toContain(key);
    // Without any one of them some service does not start in production.
    const secret: Record<string, string> = {
      DATABASE_URL: 'postgres://leap:pw@postgres:5432/leap',
      RABBITMQ_URL: 'amqp://leap:pw@rabbitmq:5672',
      JWT_SECRET: 'f3Kq9Zr7Lw2Xv8Ny4Tb6Pm1Hc5Jd0Gs-Ue',
      WEBHOOK_SECRETS_KEYRING: KEYRING,
      S3_ACCESS_KEY_ID: 'leap',
      S3_SECRET_ACCESS_KEY: 'f3Kq9Zr7Lw2Xv8Ny4Tb6Pm1Hc5Jd0Gs-Ue',
    };
    for (const key of Object.keys(secret)) {
      const without = Object.fromEntries(Object.entries(secret).filter(([k]) => k !== key));
      const refused = Object.keys(SCHEMAS).filter((name) => {
        try {
          loadConfig(name, SCHEMAS[name]!, { ...values.env, ...values.services[name]!.env, ...without });
          return false;
        } catch {
          return true;
        }
      });
      expect({ key, refusedBySome: refused.length > 0 }).toEqual({ key, refusedBySome: true });
    }
    // Nothing secret is written in the values themselves.
    for (const key of Object.keys(secret)) expect(Object.keys(values.env)).not.toContain(key);
  });
});
