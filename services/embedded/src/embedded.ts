import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigValidationError, loadConfig, loadConfigOrExit } from '@leap/config';
import { startService, ReadinessRegistry, type RunningService } from '@leap/platform';
import { platformServices } from './platform-services';
import { embeddedDatabaseUrl, startEmbeddedPostgres } from './embedded-postgres';
import { embeddedConfigSchema } from './config/config.schema';

const log = (line: string) => process.stdout.write(`[leap] ${line}\n`);

/**
 * A development secret kept in the data folder, so that sessions survive a restart. The
 * embedded mode is for a laptop; production sets JWT_SECRET and refuses weak ones.
 */
function localSecret(dataDir: string, name: string): string {
  const file = join(dataDir, 'secrets', name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(join(dataDir, 'secrets'), { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The embedded mode: all seven services in one process, a real PostgreSQL from npm with its data
 * under LEAP_DATA_DIR, the PostgreSQL-backed message transport, local-disk storage, and the
 * gateway's HTTP API on PORT. Ctrl-C stops everything cleanly; nothing in flight is lost.
 */
export async function runEmbedded(): Promise<void> {
  const config = loadConfigOrExit('embedded', embeddedConfigSchema);
  const dataDir = resolve(config.LEAP_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    STORAGE_BACKEND: 'local',
    STORAGE_LOCAL_ROOT: resolve(dataDir, 'storage'),
    UPLOAD_RESUMABLE_DIR: resolve(dataDir, 'uploads'),
    EXPORT_ROOT: resolve(dataDir, 'exports'),
    ...process.env,
    JWT_SECRET: process.env.JWT_SECRET ?? localSecret(dataDir, 'jwt-secret'),
    DATABASE_URL: embeddedDatabaseUrl(config.EMBEDDED_POSTGRES_PORT),
    MESSAGING_TRANSPORT: 'postgres',
    PORT: String(config.PORT),
  };

  // Every service's configuration is checked before anything starts.
  const problems: string[] = [];
  for (const definition of platformServices) {
    try {
      loadConfig(definition.name, definition.configSchema as never, env);
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    process.stderr.write(`${problems.join('\n')}\n`);
    process.exit(1);
  }

  const database = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_POSTGRES_PORT, log });
  const readiness = new ReadinessRegistry();
  const running: RunningService[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log('Stopping…');
    for (const service of [...running].reverse()) await service.close().catch((e: Error) => log(`${service.name}: ${e.message}`));
    await database.stop().catch((e: Error) => log(`postgres: ${e.message}`));
    log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  try {
    for (const definition of platformServices) {
      const http = definition.publicHttp === true;
      running.push(await startService(definition, { env, http, readiness }));
    }
  } catch (error) {
    log(`Start-up failed: ${(error as Error).stack ?? String(error)}`);
    await stop(1);
    return;
  }
  const gateway = running.find((s) => s.name === 'gateway');
  log(`LEAP is running (embedded mode) on http://localhost:${gateway?.port} — readiness: /health/ready, data in ${dataDir}. Ctrl-C stops it.`);
}

