/**
 * A consumer process for the crash tests: it claims one message, reports it on stdout and then
 * hangs without acknowledging, until the test kills it with SIGKILL.
 * Usage: node -r @swc-node/register crash-consumer.fixture.ts <connection string> <queue> <lease ms>
 */
import { PostgresTransport } from './postgres-transport';

async function main(): Promise<void> {
  const [connectionString, queue, leaseMs] = process.argv.slice(2);
  if (!connectionString || !queue) throw new Error('usage: crash-consumer.fixture.ts <connection string> <queue> <lease ms>');
  const transport = new PostgresTransport({ connectionString, leaseMs: Number(leaseMs ?? 1000), pollIntervalMs: 100 });
  await transport.connect();
  await transport.consume(queue, { prefetch: 1 }, async (delivery) => {
    process.stdout.write(`claimed ${delivery.message.messageId} ${Date.now()}\n`);
    await new Promise(() => undefined);
  });
  process.stdout.write('ready\n');
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
