/**
 * A second consumer process for the scaling measurement of the bus benchmark (started by
 * run.ts). It competes with the first consumer on the same queue and writes into the same
 * inbox and effect table. On SIGTERM it stops its bus and prints its latency samples as one
 * `samples <json>` line: { phase: [[sentAt, startedAt, doneAt], ...] }.
 *
 * Environment: BENCH_DB_URL, BENCH_AMQP_URL, BENCH_PREFETCH, BENCH_POOL_SIZE, BENCH_CONSUMER_NAME.
 */
import { intEnv, startConsumer, type Sample } from './common';

async function main(): Promise<void> {
  const databaseUrl = process.env.BENCH_DB_URL;
  const amqpUrl = process.env.BENCH_AMQP_URL;
  if (!databaseUrl || !amqpUrl) throw new Error('BENCH_DB_URL and BENCH_AMQP_URL are required');
  const samples: Record<string, Sample[]> = {};
  const consumer = await startConsumer({
    databaseUrl,
    amqpUrl,
    name: process.env.BENCH_CONSUMER_NAME ?? 'consumer-2',
    prefetch: intEnv('BENCH_PREFETCH', 16),
    poolSize: intEnv('BENCH_POOL_SIZE', 10),
    onSample: (phase, sample) => (samples[phase] ??= []).push(sample),
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await consumer.stop().catch((error: Error) => console.error(`stop failed: ${error.message}`));
    process.stdout.write(`samples ${JSON.stringify(samples)}\n`, () => process.exit(0));
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  console.log('consumer ready');
}

main().catch((error: Error) => {
  console.error(`consumer failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
