import { startTracing } from '@leap/platform/src/tracing';

// One SDK for the seven services of the process, started before their modules load so that
// their HTTP, pg and amqplib calls are instrumented.
startTracing({ serviceName: 'leap' });
void import('./embedded').then(({ runEmbedded }) => runEmbedded());
