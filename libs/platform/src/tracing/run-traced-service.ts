import type { ServiceDefinition } from '../service-definition';
import { startTracing } from './tracing';

/**
 * `main.ts` of a service: starts tracing, then loads the service and runs it as its own process.
 * The service is loaded only after the SDK is up, so that Nest, pg, amqplib and http are
 * instrumented as they are first required:
 *
 * ```ts
 * runTracedService('storage', async () => (await import('./service')).storageService);
 * ```
 */
export function runTracedService(name: string, load: () => Promise<ServiceDefinition>): void {
  startTracing({ serviceName: name });
  const run = async () => {
    // Service definitions carry decorators that need the metadata API.
    await import('reflect-metadata');
    const definition = await load();
    const { runService } = await import('../bootstrap');
    runService(definition);
  };
  run().catch((error: Error) => {
    process.stderr.write(`${name} failed to start: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
}
