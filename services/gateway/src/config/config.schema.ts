import { z } from 'zod';
import { baseConfigSchema, field, secret } from '@leap/config';

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
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
