/**
 * What one hop of the infrastructure costs on this machine right now, to put the hand-offs in
 * context: a PostgreSQL round trip (`SELECT 1` on an open connection), and a RabbitMQ hop as the
 * services make it: one connection that both publishes (a confirm channel) and consumes with acks
 * (another channel), a persistent message through a durable quorum queue. The hop is measured
 * twice: with TCP_NODELAY, as @leap/messaging's AmqpTransport connects, and with amqplib's socket
 * default (Nagle's algorithm on), which makes a publish that follows an ack on the same connection
 * wait for the broker's delayed ACK. Samples are spaced, so that each one meets the connection the
 * way a hand-off does: 20 ms after the consumer's last ack, inside the broker's delayed-ACK window.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as amqp from 'amqplib';
import { Client } from 'pg';

export interface Samples {
  /** Publish to delivery. */
  deliver: number[];
  /** Publish to the publisher confirm. */
  confirm: number[];
}

export interface ProbeResult {
  pgRoundTrip: number[];
  amqpDefault: Samples;
  amqpNoDelay: Samples;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function amqpHops(url: string, noDelay: boolean, count: number, gapMs: number): Promise<Samples> {
  const conn = await amqp.connect(url, { noDelay, clientProperties: { connection_name: 'bench-pipeline-probe' } });
  const queue = `bench.probe.${randomBytes(4).toString('hex')}`;
  try {
    const consumer = await conn.createChannel();
    await consumer.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    const publisher = await conn.createConfirmChannel();
    let waiting: ((at: number) => void) | undefined;
    await consumer.consume(queue, (msg) => {
      if (!msg) return;
      const at = performance.now();
      consumer.ack(msg);
      waiting?.(at);
    });
    const body = Buffer.from(JSON.stringify({ recordingId: '01a20cd0-ea89-7639-8821-d1572512156e', userId: '01a20cd0-ea89-7639-8821-d1572512156f' }));
    const samples: Samples = { deliver: [], confirm: [] };
    for (let i = 0; i < count; i++) {
      const delivered = new Promise<number>((r) => (waiting = r));
      const t = performance.now();
      publisher.publish('', queue, body, { persistent: true, contentType: 'application/json', headers: { 'cloudEvents:type': 'bench.probe.v1' } });
      await publisher.waitForConfirms();
      samples.confirm.push(performance.now() - t);
      samples.deliver.push((await delivered) - t);
      await sleep(gapMs);
    }
    await consumer.deleteQueue(queue).catch(() => undefined);
    return samples;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** `count` samples of each, `gapMs` apart. */
export async function probeInfrastructure(databaseUrl: string, amqpUrl: string, count = 100, gapMs = 20): Promise<ProbeResult> {
  const pg = new Client({ connectionString: databaseUrl, application_name: 'bench-pipeline-probe' });
  await pg.connect();
  try {
    const pgRoundTrip: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = performance.now();
      await pg.query('SELECT 1');
      pgRoundTrip.push(performance.now() - t);
      await sleep(gapMs);
    }
    const amqpDefault = await amqpHops(amqpUrl, false, count, gapMs);
    const amqpNoDelay = await amqpHops(amqpUrl, true, count, gapMs);
    return { pgRoundTrip, amqpDefault, amqpNoDelay };
  } finally {
    await pg.end().catch(() => undefined);
  }
}
