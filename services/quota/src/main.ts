import { runTracedService } from '@leap/platform/src/tracing';

// Tracing starts before the service's modules load, so that their HTTP, pg and amqplib calls are instrumented.
runTracedService('quota', async () => (await import('./service')).quotaService);
