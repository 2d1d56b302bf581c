import 'reflect-metadata';
import { resolve } from 'node:path';
import { startService, ReadinessRegistry, type RunningService } from '@leap/platform';
import { platformServices } from './platform-services';
import { loadConfigOrExit } from '@leap/config';
import { startEmbeddedPostgres } from './embedded-postgres';
import { embeddedConfigSchema } from './config/config.schema';

const log = (line: string) => process.stdout.write(`[leap] ${line}\n`);

/**
 * The embedded mode: all seven services in one process, a real PostgreSQL from npm with its data
 * under LEAP_DATA_DIR, the PostgreSQL-backed message transport, local-disk storage, and the
 * gateway's HTTP API on PORT. Ctrl-C stops everything cleanly; nothing in flight is lost.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit('embedded', embeddedConfigSchema);
  const dataDir = resolve(config.LEAP_DATA_DIR);
  const pgPort = config.EMBEDDED_POSTGRES_PORT;
  const database = await startEmbeddedPostgres({ dataDir, port: pgPort, log });
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    STORAGE_BACKEND: 'local',
    STORAGE_LOCAL_ROOT: resolve(dataDir, 'storage'),
    EXPORT_ROOT: resolve(dataDir, 'exports'),
    ...process.env,
    DATABASE_URL: database.url,
    MESSAGING_TRANSPORT: 'postgres',
    PORT: String(config.PORT),
  };
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
  log(`LEAP is running (embedded mode): http://localhost:${gateway?.port}/health/ready — data in ${dataDir}`);
}

void main();
