import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { loadConfigOrExit } from '@leap/config';
import { createLogger, NestLogger } from '@leap/logging';
import type { ServiceDefinition } from './service-definition';
import { serviceAppModule } from './service-app.module';
import type { PlatformConfig } from './platform-config';
import { ReadinessRegistry } from './readiness';

export interface RunningService {
  name: string;
  app: INestApplication | INestApplicationContext;
  readiness: ReadinessRegistry;
  /** The HTTP port, when the service listens. */
  port?: number;
  close(): Promise<void>;
}

export interface StartServiceOptions {
  env?: NodeJS.ProcessEnv;
  /** Listen for HTTP (health, and the public API for the gateway). Default true. */
  http?: boolean;
  /** Shared readiness registry (the embedded mode reports every service on the gateway). */
  readiness?: ReadinessRegistry;
  /** Let Nest handle SIGTERM/SIGINT itself (standalone processes). */
  shutdownHooks?: boolean;
}

/** Start one service: validated config, logger, database, bus, health and its feature modules. */
export async function startService(definition: ServiceDefinition, options: StartServiceOptions = {}): Promise<RunningService> {
  const env = options.env ?? process.env;
  const config = loadConfigOrExit(definition.name, definition.configSchema as never, env) as PlatformConfig;
  const logger = createLogger({
    service: definition.name,
    version: config.SERVICE_VERSION,
    env: config.NODE_ENV,
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  const readiness = options.readiness ?? new ReadinessRegistry();
  const module = serviceAppModule(definition, config, logger, readiness);
  const nestLogger = new NestLogger(logger);
  const http = options.http ?? true;
  const app = http
    ? await NestFactory.create(module, { logger: nestLogger, bufferLogs: true, bodyParser: definition.http?.bodyParser ?? true })
    : await NestFactory.createApplicationContext(module, { logger: nestLogger, bufferLogs: true });
  if (options.shutdownHooks) app.enableShutdownHooks();
  let port: number | undefined;
  if (http) {
    definition.http?.configure?.(app as INestApplication, config as unknown as Record<string, unknown>);
    await (app as INestApplication).listen(config.PORT);
    port = config.PORT;
    logger.info(`${definition.name} listening`, { port });
  } else {
    await app.init();
    logger.info(`${definition.name} started`);
  }
  return { name: definition.name, app, readiness, port, close: () => app.close() };
}

/** `main.ts` of a service: run it as its own process until SIGTERM or SIGINT. */
export function runService(definition: ServiceDefinition): void {
  startService(definition, { shutdownHooks: true }).catch((error: Error) => {
    process.stderr.write(`${definition.name} failed to start: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
