/**
 * Starting gateways for integration specs: the environment every spec shares, and a gateway on a
 * free port of a service world.
 */
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RunningService, ServiceDefinition } from '@leap/platform';
import type { ServiceWorld } from '@leap/service-testing';
import { freePort } from '@leap/testing';
import { gatewayService } from '../service';
import { httpClient, type HttpClient } from './http';

/** A secret long enough for HS256; tokens of the tests are signed with it. */
export const TEST_JWT_SECRET = 'a-test-secret-that-is-long-enough-for-hs256';

/** The transit keyring of the specs (a fixed test key): a publishing service started with it opens the tokens. */
export const TEST_TRANSIT_KEYRING = `t1:${'7'.repeat(64)}`;

/**
 * The gateway environment of the integration specs: a JWT secret, a cheap password hash, a fast
 * outbox, and rate limits no test reaches unless it sets its own. `overrides` win.
 */
export function gatewayTestEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    PASSWORD_HASH_MEMORY_KIB: '1024',
    PASSWORD_HASH_PASSES: '1',
    OUTBOX_POLL_INTERVAL_MS: '200',
    RATE_LIMIT_ANONYMOUS: '10000',
    RATE_LIMIT_USER: '10000',
    RATE_LIMIT_API_KEY: '10000',
    CREDENTIALS_TRANSIT_KEYRING: TEST_TRANSIT_KEYRING,
    ...overrides,
  };
}

/** A gateway listening on a port of its own. */
export interface RunningGateway {
  /** `http://127.0.0.1:<port>` */
  base: string;
  port: number;
  app: INestApplicationContext;
  /** The gateway's database, for direct queries (search_path `gateway`). */
  db: DataSource;
  client: HttpClient;
  service: RunningService;
}

/**
 * Starts a gateway (or `service`, a gateway with extra modules) over HTTP in `world`, on `port`
 * or a free one; `env` adds to the world's environment.
 */
export async function startGateway(
  world: ServiceWorld,
  options: { env?: Record<string, string>; port?: number; service?: ServiceDefinition } = {},
): Promise<RunningGateway> {
  const port = options.port ?? (await freePort());
  // Resumable uploads keep their bytes in a folder of the world's, removed with it.
  const uploads = options.env?.UPLOAD_RESUMABLE_DIR ?? world.env.UPLOAD_RESUMABLE_DIR ?? (await world.tempDir('gateway-uploads'));
  const service = await world.start(options.service ?? gatewayService, { http: true, env: { PORT: String(port), UPLOAD_RESUMABLE_DIR: uploads, ...options.env } });
  const base = `http://127.0.0.1:${port}`;
  return { base, port, app: service.app, db: service.app.get(DataSource), client: httpClient(base), service };
}
