/**
 * Message bus benchmark (`npm run bench:bus`), on the machine's real PostgreSQL and RabbitMQ.
 *
 *   Floor A  plain amqplib: confirm-channel publishes and acked consumption through a quorum
 *            queue, messages of the same size and properties as a bus event.
 *   Floor B  plain pg: per event one producer commit (outbox INSERT) and one consumer commit
 *            (inbox INSERT + effect row), the same rows the bus writes.
 *   Bus      producers commit each event in its own transaction through MessageBus.publish; the
 *            outbox relay publishes it; a consumer MessageBus handles it, recording it in its
 *            inbox and writing an effect row. Latency runs from just before the producer's
 *            commit to the commit of the handler's transaction. Measured at "max" load (a few
 *            producers committing as fast as they can) and at a "moderate" fixed rate, then at
 *            max load again with a second consumer process (consumer.ts) on the same queue.
 *
 * Everything runs in a database and a vhost created for the run and removed at the end.
 * Environment (all optional):
 *   BENCH_EVENTS            events per max-load measurement and per floor (default 3000)
 *   BENCH_PRODUCERS         concurrent producers at max load (default 4)
 *   BENCH_RATE              moderate load, events/s (default 200)
 *   BENCH_MODERATE_SECONDS  duration of the moderate-load measurement (default 10)
 *   BENCH_AGGREGATES        distinct aggregates (event subjects) the events rotate over (default 1000)
 *   BENCH_PREFETCH          consumer prefetch (default 16, the platform default)
 *   BENCH_POOL_SIZE         consumer database pool (default 10, the platform default)
 *   BENCH_CONFIRM_WINDOW    unconfirmed publishes in flight in floor A (default 200, the relay batch)
 *   TEST_PG_URL, TEST_AMQP_URL  servers (default the local ones, as for the tests)
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AmqpTransport, MessageBus, OUTBOX_CHANNEL, toWire, type WireMessage } from '@leap/messaging';
import { outboxInboxDdl } from '@leap/persistence';
import { createTestDatabase, createTestVhost, startProcess, type RunningProcess, type TestDatabase, type TestVhost } from '@leap/testing';
import {
  benchCatalog,
  CONSUMER_SCHEMA,
  EVENT,
  intEnv,
  now,
  percentile,
  PRODUCER_SCHEMA,
  QUEUE,
  sleep,
  startConsumer,
  type BenchEvent,
  type RunningConsumer,
  type Sample,
} from './common';

const config = {
  events: intEnv('BENCH_EVENTS', 3000),
  producers: intEnv('BENCH_PRODUCERS', 4),
  rate: intEnv('BENCH_RATE', 200),
  moderateSeconds: intEnv('BENCH_MODERATE_SECONDS', 10),
  aggregates: intEnv('BENCH_AGGREGATES', 1000),
  prefetch: intEnv('BENCH_PREFETCH', 16),
  poolSize: intEnv('BENCH_POOL_SIZE', 10),
  confirmWindow: intEnv('BENCH_CONFIRM_WINDOW', 200),
};
/** Handler transactions a consumer runs at once: its prefetch, capped by its connection pool. */
const consumerConcurrency = Math.min(config.prefetch, config.poolSize);
const TARGET_RATIO = 0.5;
const TARGET_P99_MS = 50;
/** Pause between the pairs of the idle-pairs run; shorter than the relay's 1 s poll interval. */
const PAIR_PAUSE_MS = 250;
const PAIRS = 20;

// ------------------------------------------------------------------ resources

interface World {
  db: TestDatabase;
  vhost: TestVhost;
  producerDs?: DataSource;
  producer?: MessageBus;
  consumer?: RunningConsumer;
  child?: RunningProcess;
  admin?: Client;
}

async function createSchemas(url: string): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    for (const schema of [PRODUCER_SCHEMA, CONSUMER_SCHEMA, 'floor']) {
      await c.query(`CREATE SCHEMA "${schema}"`);
      for (const sql of outboxInboxDdl(schema)) await c.query(sql);
      await c.query(
        `CREATE TABLE "${schema}".effects (id bigserial PRIMARY KEY, message_id uuid NOT NULL, phase text NOT NULL,
           aggregate_id text NOT NULL, seq int NOT NULL, handled_by text, at timestamptz NOT NULL DEFAULT clock_timestamp())`,
      );
    }
  } finally {
    await c.end();
  }
}

async function teardown(world: Partial<World>): Promise<void> {
  await world.child?.stop('SIGTERM', 10_000).catch(() => undefined);
  await world.consumer?.stop().catch(() => undefined);
  await world.producer?.stop().catch(() => undefined);
  if (world.producerDs?.isInitialized) await world.producerDs.destroy().catch(() => undefined);
  await world.admin?.end().catch(() => undefined);
  await world.vhost?.drop().catch((e: Error) => console.error(`could not delete vhost ${world.vhost?.name}: ${e.message}`));
  await world.db?.drop().catch((e: Error) => console.error(`could not drop database ${world.db?.name}: ${e.message}`));
}

// ------------------------------------------------------------------ floor A: amqplib

/** The AMQP properties the transport sets for a message (as in AmqpTransport). */
function amqpProperties(message: WireMessage): amqp.Options.Publish {
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(message.headers)) if (v !== undefined && v !== null) headers[k] = v;
  return {
    persistent: true,
    messageId: message.messageId,
    type: message.type,
    contentType: message.contentType,
    timestamp: Math.floor(message.timestamp / 1000),
    correlationId: message.correlationId,
    headers,
  };
}

interface FloorA {
  rate: number;
  publishRate: number;
  elapsedMs: number;
}

async function floorAmqp(url: string, n: number, sample: WireMessage): Promise<FloorA> {
  const exchange = 'floor.events';
  const queue = 'floor.amqp';
  const pubConn = await amqp.connect(url, { clientProperties: { connection_name: 'bench-floor-publisher' } });
  const conConn = await amqp.connect(url, { clientProperties: { connection_name: 'bench-floor-consumer' } });
  try {
    const setup = await pubConn.createChannel();
    await setup.assertExchange(exchange, 'topic', { durable: true });
    await setup.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await setup.bindQueue(queue, exchange, EVENT);
    await setup.close();

    const consumerChannel = await conConn.createChannel();
    await consumerChannel.prefetch(config.prefetch);
    let received = 0;
    let consumedAt = 0;
    const allConsumed = new Promise<void>((resolve) => {
      void consumerChannel.consume(queue, (msg) => {
        if (!msg) return;
        consumerChannel.ack(msg);
        if (++received === n) {
          consumedAt = now();
          resolve();
        }
      });
    });

    const channel = await pubConn.createConfirmChannel();
    const props = amqpProperties(sample);
    let inFlight = 0;
    let failed: Error | undefined;
    let slot: (() => void) | undefined;
    const start = now();
    for (let i = 0; i < n; i++) {
      while (inFlight >= config.confirmWindow) await new Promise<void>((r) => (slot = r));
      if (failed) throw failed;
      inFlight++;
      const ok = channel.publish(exchange, EVENT, sample.body, { ...props, messageId: `${sample.messageId}-${i}` }, (err) => {
        inFlight--;
        if (err) failed = err instanceof Error ? err : new Error('nack');
        const wake = slot;
        slot = undefined;
        wake?.();
      });
      if (!ok) await new Promise<void>((r) => channel.once('drain', () => r()));
    }
    await channel.waitForConfirms();
    if (failed) throw failed;
    const publishedAt = now();
    await allConsumed;
    return { rate: n / ((consumedAt - start) / 1000), publishRate: n / ((publishedAt - start) / 1000), elapsedMs: consumedAt - start };
  } finally {
    await pubConn.close().catch(() => undefined);
    await conConn.close().catch(() => undefined);
  }
}

// ------------------------------------------------------------------ floor B: pg

interface FloorB {
  rate: number;
  commitsPerSecond: number;
  elapsedMs: number;
  workers: number;
}

/**
 * Each worker takes the next event and makes its two commits: the producer's (outbox row, the
 * same JSON the OutboxWriter stores) and the consumer's (inbox row + effect row). Workers: the
 * bus's producers plus the consumer's concurrent handler transactions. With `notify`, the
 * producer commit also carries the `pg_notify` the OutboxWriter adds to every outbox write (a
 * diagnostic, not a floor: it shows what that notification costs).
 */
async function floorPg(url: string, n: number, sample: WireMessage, exchange: string, notify = false): Promise<FloorB> {
  const workers = config.producers + consumerConcurrency;
  const clients: Client[] = [];
  for (let w = 0; w < workers; w++) {
    const c = new Client({ connectionString: url, application_name: 'bench-floor-pg' });
    await c.connect();
    clients.push(c);
  }
  try {
    let next = 0;
    const start = now();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = next++; i < n; i = next++) {
          const id = randomUUID();
          const stored = {
            messageId: id,
            type: sample.type,
            contentType: sample.contentType,
            timestamp: sample.timestamp,
            correlationId: id,
            headers: sample.headers,
            body: sample.body.toString('utf8'),
          };
          await c.query('BEGIN');
          await c.query(`INSERT INTO floor.outbox (id, exchange, routing_key, aggregate_id, message) VALUES ($1, $2, $3, $4, $5::jsonb)`, [
            id,
            exchange,
            EVENT,
            `floor-${i % config.aggregates}`,
            JSON.stringify(stored),
          ]);
          if (notify) await c.query(`SELECT pg_notify($1, $2)`, [OUTBOX_CHANNEL, 'floor']);
          await c.query('COMMIT');
          await c.query('BEGIN');
          await c.query(`INSERT INTO floor.inbox (message_id, consumer, message_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING message_id`, [
            id,
            QUEUE,
            EVENT,
          ]);
          await c.query(`INSERT INTO floor.effects (message_id, phase, aggregate_id, seq, handled_by) VALUES ($1, $2, $3, $4, $5)`, [
            id,
            'floor',
            `floor-${i % config.aggregates}`,
            i,
            'floor',
          ]);
          await c.query('COMMIT');
        }
      }),
    );
    const elapsedMs = now() - start;
    return { rate: n / (elapsedMs / 1000), commitsPerSecond: (2 * n) / (elapsedMs / 1000), elapsedMs, workers };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

// ------------------------------------------------------------------ the bus

interface Latency {
  p50: number;
  p99: number;
  max: number;
}

interface BusResult {
  phase: string;
  label: string;
  events: number;
  consumers: number;
  /** Events per second from the first commit to the last handled event. */
  rate: number;
  /** Events per second the producers committed. */
  commitRate: number;
  elapsedMs: number;
  /** Commit to handler transaction committed. */
  latency: Latency;
  /** Commit to handler start (relay, broker, delivery) and the handler transaction itself. */
  toHandler: Latency;
  handlerTx: Latency;
  relay: { batches: number; meanBatch: number; maxBatch: number; claimP50: number; claimP99: number };
  handledBy: Record<string, number>;
  duplicates: number;
  /** Events that took longer than 100 ms. */
  slow: number;
  mode: 'max' | 'rate' | 'pairs';
}

function latencyOf(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
}

const localSamples: Record<string, Sample[]> = {};

async function publishOne(world: World, phase: string, seq: number): Promise<void> {
  const aggregateId = `${phase}-${seq % config.aggregates}`;
  await world.producerDs!.transaction(async (manager) => {
    const data: BenchEvent = { phase, aggregateId, seq, sentAt: now() };
    await world.producer!.publish(manager, EVENT, data, { subject: aggregateId });
  });
}

/** `producers` loops committing events back to back. */
async function produceMax(world: World, phase: string, events: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: config.producers }, async () => {
      for (let i = next++; i < events; i = next++) await publishOne(world, phase, i);
    }),
  );
}

/** Open loop: event i is committed at start + i/rate, whatever happened to the earlier ones. */
async function produceAtRate(world: World, phase: string, events: number, rate: number): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const start = now();
  let sent = 0;
  while (sent < events) {
    const due = Math.min(events, Math.floor(((now() - start) * rate) / 1000) + 1);
    while (sent < due) {
      const p = publishOne(world, phase, sent++).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await sleep(1);
  }
  await Promise.all(inFlight);
}

/**
 * Near-idle traffic: two events committed about a millisecond apart (separate transactions),
 * then a pause. The second commit of a pair often lands while the relay is busy with the first.
 */
async function producePairs(world: World, phase: string, events: number): Promise<void> {
  for (let i = 0; i + 1 < events; i += 2) {
    const first = publishOne(world, phase, i);
    await sleep(1);
    await Promise.all([first, publishOne(world, phase, i + 1)]);
    await sleep(PAIR_PAUSE_MS);
  }
}

async function resetTables(admin: Client): Promise<void> {
  await admin.query(`TRUNCATE "${PRODUCER_SCHEMA}".outbox, "${CONSUMER_SCHEMA}".inbox, "${CONSUMER_SCHEMA}".effects`);
}

async function waitHandled(admin: Client, phase: string, events: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${CONSUMER_SCHEMA}".effects WHERE phase = $1`, [phase]);
    if (rows[0].n >= events) return;
    if (Date.now() > deadline) throw new Error(`${phase}: only ${rows[0].n} of ${events} events handled within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function busPhase(
  world: World,
  options: { phase: string; label: string; mode: 'max' | 'rate' | 'pairs'; events: number; consumers: number; extraSamples?: () => Promise<Sample[]> },
): Promise<BusResult> {
  const { phase, events } = options;
  const admin = world.admin!;
  await resetTables(admin);
  localSamples[phase] = [];
  const produceStart = now();
  if (options.mode === 'max') await produceMax(world, phase, events);
  else if (options.mode === 'rate') await produceAtRate(world, phase, events, config.rate);
  else await producePairs(world, phase, events);
  const commitRate = events / ((now() - produceStart) / 1000);
  await waitHandled(admin, phase, events, 120_000);
  await sleep(100); // the last samples are recorded right after the commit the count saw
  const samples = [...(localSamples[phase] ?? []), ...(options.extraSamples ? await options.extraSamples() : [])];
  if (samples.length < events) throw new Error(`${phase}: ${samples.length} latency samples for ${events} events`);

  const firstSent = samples.reduce((m, s) => Math.min(m, s[0]), Infinity);
  const lastDone = samples.reduce((m, s) => Math.max(m, s[2]), -Infinity);
  const elapsedMs = lastDone - firstSent;

  const { rows: batchRows } = await admin.query(
    `SELECT count(*)::int AS batches, avg(n)::float AS mean, max(n)::int AS max
       FROM (SELECT sent_at, count(*) AS n FROM "${PRODUCER_SCHEMA}".outbox WHERE sent_at IS NOT NULL GROUP BY sent_at) b`,
  );
  const { rows: claimRows } = await admin.query(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99
       FROM (SELECT extract(epoch FROM sent_at - created_at) * 1000 AS ms FROM "${PRODUCER_SCHEMA}".outbox WHERE sent_at IS NOT NULL) d`,
  );
  const { rows: byRows } = await admin.query(
    `SELECT handled_by, count(*)::int AS n, count(DISTINCT message_id)::int AS distinct_ids FROM "${CONSUMER_SCHEMA}".effects WHERE phase = $1 GROUP BY handled_by`,
    [phase],
  );
  const handledBy: Record<string, number> = {};
  let total = 0;
  let distinct = 0;
  for (const r of byRows) {
    handledBy[r.handled_by] = r.n;
    total += r.n;
    distinct += r.distinct_ids;
  }
  return {
    phase,
    label: options.label,
    events,
    consumers: options.consumers,
    rate: events / (elapsedMs / 1000),
    commitRate,
    elapsedMs,
    latency: latencyOf(samples.map((s) => s[2] - s[0])),
    toHandler: latencyOf(samples.map((s) => s[1] - s[0])),
    handlerTx: latencyOf(samples.map((s) => s[2] - s[1])),
    relay: {
      batches: batchRows[0].batches,
      meanBatch: batchRows[0].mean,
      maxBatch: batchRows[0].max,
      claimP50: Number(claimRows[0].p50),
      claimP99: Number(claimRows[0].p99),
    },
    handledBy,
    duplicates: total - distinct,
    slow: samples.filter((x) => x[2] - x[0] > 100).length,
    mode: options.mode,
  };
}

// ------------------------------------------------------------------ output

const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');

function log(message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  console.log(`[${t}] ${message}`);
}

function describePhase(r: BusResult): string {
  return (
    `${r.label}: ${fmt(r.rate)} events/s end to end (producers committed ${fmt(r.commitRate)}/s), ` +
    `latency p50 ${ms(r.latency.p50)} ms, p99 ${ms(r.latency.p99)} ms, max ${ms(r.latency.max)} ms; ` +
    `relay ${r.relay.batches} batches, mean ${fmt(r.relay.meanBatch, 1)}, max ${r.relay.maxBatch}; ` +
    `handled by ${Object.entries(r.handledBy).map(([k, v]) => `${k} ${v}`).join(', ')}`
  );
}

function table(headers: string[], rows: string[][], rightAligned: boolean[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (rightAligned[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const world: Partial<World> = {};
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) return;
    interrupted = true;
    console.error('interrupted: cleaning up');
    void teardown(world).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const moderateEvents = config.rate * config.moderateSeconds;
  const loadAtStart = loadavg();
  log(
    `bench:bus on ${cpus().length} cores: ${config.events} events per max-load run, ${config.producers} producers, ` +
      `moderate ${config.rate}/s for ${config.moderateSeconds} s, ${config.aggregates} aggregates, prefetch ${config.prefetch}, pool ${config.poolSize}`,
  );
  try {
    world.db = await createTestDatabase({ prefix: 'leap_test_bench_bus' });
    world.vhost = await createTestVhost('leap_test_bench_bus');
    log(`database ${world.db.name}, vhost ${world.vhost.name}`);
    await createSchemas(world.db.url);
    world.admin = new Client({ connectionString: world.db.url, application_name: 'bench-admin' });
    await world.admin.connect();

    world.producerDs = new DataSource({ type: 'postgres', url: world.db.url, poolSize: config.poolSize, applicationName: 'bench-producer' });
    await world.producerDs.initialize();
    world.producer = new MessageBus({
      service: PRODUCER_SCHEMA,
      transport: new AmqpTransport({ url: world.vhost.url, connectionName: 'bench-producer' }),
      catalog: benchCatalog(),
      dataSource: world.producerDs,
      schema: PRODUCER_SCHEMA,
      databaseUrl: world.db.url,
    });

    // A message exactly like the ones the bus publishes, for the floors.
    const sampleEvent: BenchEvent = { phase: 'floor', aggregateId: 'floor-0', seq: 0, sentAt: now() };
    const sample = toWire(world.producer.envelope(EVENT, sampleEvent, { subject: sampleEvent.aggregateId }));
    const exchange = 'bench.events';

    log(`floor A: amqplib, ${config.events} messages of ${sample.body.length} bytes + ${Object.keys(sample.headers).length} headers, confirm window ${config.confirmWindow}, prefetch ${config.prefetch}`);
    const floorA = await floorAmqp(world.vhost.url, config.events, sample);
    log(`floor A: ${fmt(floorA.rate)} msgs/s published, confirmed, delivered and acked (publishing alone ${fmt(floorA.publishRate)}/s)`);

    log(`floor B: pg, ${config.events} events x (outbox commit + inbox/effect commit), ${config.producers + consumerConcurrency} connections`);
    const floorB = await floorPg(world.db.url, config.events, sample, exchange);
    log(`floor B: ${fmt(floorB.rate)} events/s (${fmt(floorB.commitsPerSecond)} commits/s)`);

    const notifyEvents = Math.max(200, Math.floor(config.events / 2));
    log(`floor B + pg_notify (diagnostic): ${notifyEvents} events, each producer commit also notifying as the OutboxWriter does`);
    const listener = new Client({ connectionString: world.db.url, application_name: 'bench-listener' });
    await listener.connect();
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    const floorBNotify = await floorPg(world.db.url, notifyEvents, sample, exchange, true).finally(() => listener.end().catch(() => undefined));
    log(`floor B + pg_notify: ${fmt(floorBNotify.rate)} events/s (${fmt(floorBNotify.commitsPerSecond)} commits/s)`);

    await world.producer.start();
    world.consumer = await startConsumer({
      databaseUrl: world.db.url,
      amqpUrl: world.vhost.url,
      name: 'consumer-1',
      prefetch: config.prefetch,
      poolSize: config.poolSize,
      onSample: (phase, s) => (localSamples[phase] ??= []).push(s),
    });

    const warmup = Math.min(1000, Math.max(100, Math.floor(config.events / 5)));
    log(`bus: warming up with ${warmup} events`);
    await busPhase(world as World, { phase: 'warmup', label: 'warm-up', mode: 'max', events: warmup, consumers: 1 });

    const results: BusResult[] = [];
    log(`bus: max load, ${config.events} events, 1 consumer`);
    results.push(await busPhase(world as World, { phase: 'max1', label: 'bus, max load, 1 consumer', mode: 'max', events: config.events, consumers: 1 }));
    log(describePhase(results[results.length - 1]!));

    log(`bus: moderate load, ${config.rate} events/s for ${config.moderateSeconds} s, 1 consumer`);
    results.push(
      await busPhase(world as World, {
        phase: 'moderate',
        label: `bus, ${config.rate}/s, 1 consumer`,
        mode: 'rate',
        events: moderateEvents,
        consumers: 1,
      }),
    );
    log(describePhase(results[results.length - 1]!));

    const pairEvents = 2 * PAIRS;
    log(`bus: idle pairs, ${PAIRS} pairs of commits 1 ms apart, ${PAIR_PAUSE_MS} ms between pairs, 1 consumer`);
    results.push(await busPhase(world as World, { phase: 'pairs', label: 'bus, idle pairs, 1 consumer', mode: 'pairs', events: pairEvents, consumers: 1 }));
    log(describePhase(results[results.length - 1]!));

    log('bus: starting a second consumer process');
    const root = path.resolve(__dirname, '../..');
    world.child = await startProcess({
      name: 'bench consumer-2',
      command: process.execPath,
      args: ['-r', '@swc-node/register', path.join(__dirname, 'consumer.ts')],
      cwd: root,
      env: {
        BENCH_DB_URL: world.db.url,
        BENCH_AMQP_URL: world.vhost.url,
        BENCH_PREFETCH: String(config.prefetch),
        BENCH_POOL_SIZE: String(config.poolSize),
        BENCH_CONSUMER_NAME: 'consumer-2',
      },
      readyWhen: (line) => line === 'consumer ready',
      readyTimeoutMs: 60_000,
    });
    const child = world.child;
    const childSamples = async (): Promise<Sample[]> => {
      await child.stop('SIGTERM', 15_000);
      world.child = undefined;
      const line = child.lines().find((l) => l.startsWith('samples '));
      if (!line) throw new Error(`the second consumer printed no samples:\n${child.output()}`);
      return (JSON.parse(line.slice('samples '.length)) as Record<string, Sample[]>).max2 ?? [];
    };
    log(`bus: max load, ${config.events} events, 2 consumers`);
    results.push(
      await busPhase(world as World, {
        phase: 'max2',
        label: 'bus, max load, 2 consumers',
        mode: 'max',
        events: config.events,
        consumers: 2,
        extraSamples: childSamples,
      }),
    );
    log(describePhase(results[results.length - 1]!));

    report(floorA, floorB, floorBNotify, results, loadAtStart);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!interrupted) {
      await teardown(world);
      log('database and vhost removed');
    }
  }
}

function report(floorA: FloorA, floorB: FloorB, floorBNotify: FloorB, results: BusResult[], loadAtStart: number[]): void {
  const lower = Math.min(floorA.rate, floorB.rate);
  const lowerName = floorA.rate <= floorB.rate ? 'A' : 'B';
  const byPhase = (phase: string) => results.find((r) => r.phase === phase)!;
  const max1 = byPhase('max1');
  const moderate = byPhase('moderate');
  const max2 = byPhase('max2');
  const blank = ['', '', ''];
  const rows: string[][] = [
    ['floor A: amqplib confirm + ack, quorum queue', `${fmt(floorA.rate)} msg/s`, lowerName === 'A' ? '1.00 (lower)' : fmt(floorA.rate / lower, 2), ...blank],
    ['floor B: pg outbox commit + inbox/effect commit', `${fmt(floorB.rate)} ev/s`, lowerName === 'B' ? '1.00 (lower)' : fmt(floorB.rate / lower, 2), ...blank],
    ['  (diagnostic) floor B with pg_notify per outbox commit', `${fmt(floorBNotify.rate)} ev/s`, fmt(floorBNotify.rate / lower, 2), ...blank],
    ...results.map((r) => [
      r.label,
      r.mode === 'pairs' ? '-' : `${fmt(r.rate)} ev/s`,
      r.mode === 'max' ? fmt(r.rate / lower, 2) : '-',
      ms(r.latency.p50),
      ms(r.latency.p99),
      ms(r.latency.max),
    ]),
  ];
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(' ');
  console.log('');
  console.log(`Message bus benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'})`);
  console.log(
    `${config.events} events per max-load run, ${config.producers} producers, ${config.aggregates} aggregates, prefetch ${config.prefetch}, ` +
      `pool ${config.poolSize}, moderate ${config.rate}/s for ${config.moderateSeconds} s; load average at start ${load(loadAtStart)}, at end ${load(loadavg())}`,
  );
  console.log('');
  console.log(table(['measurement', 'throughput', 'ratio to lower floor', 'p50 ms', 'p99 ms', 'max ms'], rows, [false, true, true, true, true, true]));
  console.log('');
  console.log(
    table(
      ['bus run', 'commits/s', 'commit->handler p50/p99', 'handler tx p50/p99', '>100 ms', 'relay passes', 'mean batch', 'max batch', 'commit->claim p50/p99', 'handled by'],
      results.map((r) => [
        r.label,
        fmt(r.commitRate),
        `${ms(r.toHandler.p50)} / ${ms(r.toHandler.p99)}`,
        `${ms(r.handlerTx.p50)} / ${ms(r.handlerTx.p99)}`,
        String(r.slow),
        String(r.relay.batches),
        fmt(r.relay.meanBatch, 1),
        String(r.relay.maxBatch),
        `${ms(r.relay.claimP50)} / ${ms(r.relay.claimP99)}`,
        Object.entries(r.handledBy)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ]),
      [false, true, true, true, true, true, true, true, true, false],
    ),
  );
  const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
  const ratio = max1.rate / lower;
  console.log('');
  console.log('times in ms; commit->claim is the relay\'s claim time minus the producer transaction\'s start (database clock)');
  console.log(`second consumer: ${fmt(max1.rate)} -> ${fmt(max2.rate)} events/s (x${fmt(max2.rate / max1.rate, 2)})`);
  console.log(`duplicate effects: ${duplicates}`);
  console.log(
    `target: max-load throughput >= ${TARGET_RATIO} x lower floor: ${fmt(ratio, 2)} -> ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}; ` +
      `p99 < ${TARGET_P99_MS} ms at ${config.rate}/s: ${ms(moderate.latency.p99)} ms -> ${moderate.latency.p99 < TARGET_P99_MS ? 'met' : 'NOT met'}`,
  );
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
