/**
 * Message bus benchmark (`npm run bench:bus`), on the machine's real PostgreSQL and RabbitMQ.
 * See docs/performance.md for what the figures mean.
 *
 *   Floor A  plain amqplib: confirm-channel publishes (a window of unconfirmed messages in
 *            flight) and acked consumption through a quorum queue, messages of the same size
 *            and properties as a bus event.
 *   Floor B  plain pg, the bus's database work without the bus: per event one producer commit
 *            (outbox INSERT) and one consumer commit (inbox INSERT + effect row), on the same
 *            connections as the bus (the producers, and the consumer's concurrent handler
 *            transactions). Alternating rounds add the `pg_notify` the OutboxWriter puts in
 *            every outbox transaction, to show its cost (a diagnostic, not a floor).
 *   Bus      producers commit each event in its own transaction through MessageBus.publish; the
 *            outbox relay publishes it; a consumer MessageBus handles it, recording it in its
 *            inbox and writing an effect row. Latency runs from just before the producer's
 *            commit to the commit of the handler's transaction. Runs: "max" load (a few
 *            producers committing back to back), a "moderate" fixed rate, "idle pairs" (two
 *            commits a millisecond apart, then a pause), and max load again with a second
 *            consumer process (consumer.ts) competing on the same queue.
 *   CPU      per measurement, CPU time per event of this process, the second consumer, the
 *            PostgreSQL backends of the run's database and the broker, and how busy the
 *            machine was (other work on the machine shows up there).
 *
 * Everything runs in a database and a vhost created for the run and removed at the end.
 * Environment (all optional):
 *   BENCH_EVENTS            events per max-load run and per floor (default 3000)
 *   BENCH_PRODUCERS         concurrent producers at max load (default 4)
 *   BENCH_RATE              moderate load, events/s (default 200)
 *   BENCH_MODERATE_SECONDS  duration of the moderate-load run (default 10)
 *   BENCH_AGGREGATES        distinct aggregates (event subjects) the events rotate over (default 1000)
 *   BENCH_PREFETCH          consumer prefetch (default 16, the platform default)
 *   BENCH_POOL_SIZE         database pool of each service (default 10, the platform default)
 *   BENCH_CONFIRM_WINDOW    unconfirmed publishes in flight in floor A (default 200, the relay batch)
 *   TEST_PG_URL, TEST_AMQP_URL  servers (default the local ones, as for the tests)
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import * as path from 'node:path';
import * as amqp from 'amqplib';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AmqpTransport, MessageBus, OUTBOX_CHANNEL, toWire, type UntypedMessages, type WireMessage } from '@leap/messaging';
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
import { CpuMeter, type CpuUse } from './cpu';

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
const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 50;
/** Pause between the pairs of the idle-pairs run; shorter than the relay's 1 s poll interval. */
const PAIR_PAUSE_MS = 250;
const PAIRS = 20;
const FLOOR_B_ROUNDS = 3;

// ------------------------------------------------------------------ resources

interface World {
  db: TestDatabase;
  vhost: TestVhost;
  producerDs?: DataSource;
  producer?: MessageBus<UntypedMessages>;
  consumer?: RunningConsumer;
  child?: RunningProcess;
  admin?: Client;
  cpu?: CpuMeter;
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
  cpu?: CpuUse;
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
  cpu?: CpuUse;
  rate: number;
  commitsPerSecond: number;
  elapsedMs: number;
}

async function connectAll(url: string, count: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const c = new Client({ connectionString: url, application_name: 'bench-floor-pg' });
      await c.connect();
      return c;
    }),
  );
}

/**
 * The bus's database work without the bus: the same connections (the producers, and the
 * consumer's concurrent handler transactions) and the same pipeline. Producers commit outbox
 * rows (the JSON the OutboxWriter stores); consumer connections take committed events in
 * order and commit an inbox row and an effect row for each. With `notify`, each producer
 * commit also carries the `pg_notify` the OutboxWriter adds to every outbox write (a
 * diagnostic, not a floor: it shows what that notification costs).
 */
async function floorPg(url: string, n: number, sample: WireMessage, exchange: string, cpu: CpuMeter, notify = false): Promise<FloorB> {
  const producers = await connectAll(url, config.producers);
  const consumers = await connectAll(url, consumerConcurrency);
  try {
    const committed: { id: string; aggregateId: string; seq: number }[] = [];
    let waiting: (() => void)[] = [];
    let nextProduced = 0;
    let taken = 0;
    const cpuStart = await cpu.snapshot();
    const start = now();
    const produce = async (c: Client) => {
      for (let i = nextProduced++; i < n; i = nextProduced++) {
        const id = randomUUID();
        const aggregateId = `floor-${i % config.aggregates}`;
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
          aggregateId,
          JSON.stringify(stored),
        ]);
        if (notify) await c.query(`SELECT pg_notify($1, $2)`, [OUTBOX_CHANNEL, 'floor']);
        await c.query('COMMIT');
        committed.push({ id, aggregateId, seq: i });
        const wake = waiting;
        waiting = [];
        for (const w of wake) w();
      }
    };
    const consume = async (c: Client) => {
      while (taken < n) {
        if (taken >= committed.length) {
          await new Promise<void>((r) => waiting.push(r));
          continue;
        }
        const event = committed[taken++]!;
        await c.query('BEGIN');
        await c.query(`INSERT INTO floor.inbox (message_id, consumer, message_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING message_id`, [
          event.id,
          QUEUE,
          EVENT,
        ]);
        await c.query(`INSERT INTO floor.effects (message_id, phase, aggregate_id, seq, handled_by) VALUES ($1, $2, $3, $4, $5)`, [
          event.id,
          'floor',
          event.aggregateId,
          event.seq,
          'floor',
        ]);
        await c.query('COMMIT');
      }
    };
    await Promise.all([...producers.map(produce), ...consumers.map(consume)]);
    const elapsedMs = now() - start;
    const use = await cpu.since(cpuStart);
    return { rate: n / (elapsedMs / 1000), commitsPerSecond: (2 * n) / (elapsedMs / 1000), elapsedMs, cpu: use };
  } finally {
    await Promise.all([...producers, ...consumers].map((c) => c.end().catch(() => undefined)));
  }
}

/** Plain and notifying rounds alternate, so that a change in the machine's load hits both alike. */
async function floorPgRounds(url: string, n: number, sample: WireMessage, exchange: string, cpu: CpuMeter): Promise<{ plain: FloorB; notify: FloorB }> {
  const rounds = FLOOR_B_ROUNDS;
  const per = Math.max(50, Math.floor(n / rounds));
  const plain: FloorB[] = [];
  const notify: FloorB[] = [];
  // As in the bus, someone listens (the relay).
  const listener = new Client({ connectionString: url, application_name: 'bench-floor-listener' });
  await listener.connect();
  try {
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    for (let r = 0; r < rounds; r++) {
      plain.push(await floorPg(url, per, sample, exchange, cpu));
      notify.push(await floorPg(url, per, sample, exchange, cpu, true));
    }
  } finally {
    await listener.end().catch(() => undefined);
  }
  const combine = (runs: FloorB[]): FloorB => {
    const elapsedMs = runs.reduce((a, r) => a + r.elapsedMs, 0);
    const events = per * runs.length;
    const sum = (f: (c: CpuUse) => number | undefined) => runs.reduce((a, r) => a + (f(r.cpu!) ?? 0), 0);
    return {
      rate: events / (elapsedMs / 1000),
      commitsPerSecond: (2 * events) / (elapsedMs / 1000),
      elapsedMs,
      cpu: {
        wallMs: sum((c) => c.wallMs),
        self: sum((c) => c.self),
        postgres: sum((c) => c.postgres),
        broker: runs.every((r) => r.cpu!.broker !== undefined) ? sum((c) => c.broker) : undefined,
        machineBusy: runs.reduce((a, r) => a + (r.cpu!.machineBusy ?? 0) * r.elapsedMs, 0) / elapsedMs,
      },
    };
  };
  return { plain: combine(plain), notify: combine(notify) };
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
  /** Events per second handled between the 5th and the 95th percentile of completion times. */
  sustained: number;
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
  cpu: CpuUse;
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
  const cpuStart = await world.cpu!.snapshot();
  const produceStart = now();
  if (options.mode === 'max') await produceMax(world, phase, events);
  else if (options.mode === 'rate') await produceAtRate(world, phase, events, config.rate);
  else await producePairs(world, phase, events);
  const commitRate = events / ((now() - produceStart) / 1000);
  await waitHandled(admin, phase, events, 120_000);
  const cpu = await world.cpu!.since(cpuStart);
  await sleep(100); // the last samples are recorded right after the commit the count saw
  const samples = [...(localSamples[phase] ?? []), ...(options.extraSamples ? await options.extraSamples() : [])];
  if (samples.length < events) throw new Error(`${phase}: ${samples.length} latency samples for ${events} events`);

  const firstSent = samples.reduce((m, s) => Math.min(m, s[0]), Infinity);
  const lastDone = samples.reduce((m, s) => Math.max(m, s[2]), -Infinity);
  const elapsedMs = lastDone - firstSent;
  const doneTimes = samples.map((x) => x[2]).sort((a, b) => a - b);
  const t5 = percentile(doneTimes, 5);
  const t95 = percentile(doneTimes, 95);

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
    sustained: t95 > t5 ? (0.9 * samples.length) / ((t95 - t5) / 1000) : NaN,
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
    cpu,
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
    `${r.label}: ${fmt(r.rate)} events/s end to end, ${fmt(r.sustained)}/s sustained (producers committed ${fmt(r.commitRate)}/s), ` +
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

/** Set on SIGINT/SIGTERM: the resources are being removed and the measurement in progress fails. */
let interrupted = false;

async function main(): Promise<void> {
  const world: Partial<World> = {};
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
    world.cpu = new CpuMeter(world.admin, () => world.child?.pid);

    world.producerDs = new DataSource({ type: 'postgres', url: world.db.url, poolSize: config.poolSize, applicationName: 'bench-producer' });
    await world.producerDs.initialize();
    world.producer = new MessageBus<UntypedMessages>({
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
    const cpuStart = await world.cpu.snapshot();
    const floorA = await floorAmqp(world.vhost.url, config.events, sample);
    floorA.cpu = await world.cpu.since(cpuStart);
    log(`floor A: ${fmt(floorA.rate)} msgs/s published, confirmed, delivered and acked (publishing alone ${fmt(floorA.publishRate)}/s)`);

    log(
      `floor B: pg, ${config.events} events, ${config.producers} producer + ${consumerConcurrency} consumer connections, ` +
        `alternating ${FLOOR_B_ROUNDS} rounds with and without a pg_notify in each producer commit`,
    );
    const { plain: floorB, notify: floorBNotify } = await floorPgRounds(world.db.url, config.events, sample, exchange, world.cpu);
    log(`floor B: ${fmt(floorB.rate)} events/s (${fmt(floorB.commitsPerSecond)} commits/s); with pg_notify ${fmt(floorBNotify.rate)} events/s`);

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
      ['bus run', 'commits/s', 'sustained/s', 'commit->handler p50/p99', 'handler tx p50/p99', '>100 ms', 'relay passes', 'mean batch', 'max batch', 'commit->claim p50/p99', 'handled by'],
      results.map((r) => [
        r.label,
        fmt(r.commitRate),
        r.mode === 'pairs' ? '-' : fmt(r.sustained),
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
      [false, true, true, true, true, true, true, true, true, true, false],
    ),
  );
  const perEvent = (v: number | undefined, n: number) => (v === undefined ? '-' : (v / n).toFixed(2));
  const cpuSum = (c: CpuUse) => c.self + (c.child ?? 0) + (c.postgres ?? 0) + (c.broker ?? 0);
  const pct = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v * 100)}%`);
  const cpuRows: [string, CpuUse | undefined, number][] = [
    ['floor A', floorA.cpu, config.events],
    ['floor B', floorB.cpu, FLOOR_B_ROUNDS * Math.max(50, Math.floor(config.events / FLOOR_B_ROUNDS))],
    ['floor B with pg_notify', floorBNotify.cpu, FLOOR_B_ROUNDS * Math.max(50, Math.floor(config.events / FLOOR_B_ROUNDS))],
    ...results.filter((r) => r.mode !== 'pairs').map((r): [string, CpuUse, number] => [r.label, r.cpu, r.events]),
  ];
  console.log('');
  console.log(
    table(
      ['CPU ms per event', 'this process', 'second consumer', 'postgres backends', 'broker (whole)', 'sum', 'run\'s share of machine', 'machine busy'],
      cpuRows.map(([label, c, n]) => [
        label,
        perEvent(c?.self, n),
        perEvent(c?.child, n),
        perEvent(c?.postgres, n),
        perEvent(c?.broker, n),
        c ? perEvent(cpuSum(c), n) : '-',
        c ? pct(cpuSum(c) / (c.wallMs * cpus().length)) : '-',
        pct(c?.machineBusy),
      ]),
      [false, true, true, true, true, true, true, true],
    ),
  );
  const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
  const ratio = max1.rate / lower;
  console.log('');
  console.log(
    'times in ms. sustained: events handled between the 5th and 95th percentile of completion times, per second. ' +
      "commit->claim: the relay's claim time minus the producer transaction's start (database clock).",
  );
  const scaling = max2.rate / max1.rate;
  console.log(`second consumer: ${fmt(max1.rate)} -> ${fmt(max2.rate)} events/s (x${fmt(scaling, 2)})`);
  console.log(`duplicate effects: ${duplicates}`);
  console.log(
    `target: max-load throughput >= ${TARGET_RATIO} x lower floor: ${fmt(ratio, 2)} -> ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}; ` +
      `p99 < ${TARGET_P99_MS} ms at ${config.rate}/s: ${ms(moderate.latency.p99)} ms -> ${moderate.latency.p99 < TARGET_P99_MS ? 'met' : 'NOT met'}; ` +
      `a second consumer process adds throughput: x${fmt(scaling, 2)} -> ${secondConsumerVerdict(scaling, max1, max2)}`,
  );
}

/** Busier than this with one consumer, the machine has no idle core left for a second process to use. */
const SATURATED = 0.8;

/**
 * A second consumer can only add throughput on cores the first leaves idle. When one consumer
 * already keeps the machine saturated, the second competes with it (and with PostgreSQL and the
 * broker) for the same cores, and its own costs (a second connection set, more lock and claim
 * contention) show up as more CPU per event: the benchmark then says so instead of "not met".
 */
function secondConsumerVerdict(scaling: number, one: { cpu: CpuUse; events: number }, two: { cpu: CpuUse; events: number }): string {
  if (scaling > 1) return 'met';
  const busy = one.cpu.machineBusy;
  if (busy === undefined || busy < SATURATED) return 'NOT met';
  const perEvent = (r: { cpu: CpuUse; events: number }) => (r.cpu.self + (r.cpu.child ?? 0) + (r.cpu.postgres ?? 0) + (r.cpu.broker ?? 0)) / r.events;
  return (
    `not met, and cannot be on this machine: one consumer already kept it ${Math.round(busy * 100)}% busy across ${cpus().length} cores ` +
    `(${Math.round(SATURATED * 100)}% or more is saturated), so a second process shares the same cores, ` +
    `and the whole run spends ${perEvent(two).toFixed(2)} CPU ms per event with two consumers against ${perEvent(one).toFixed(2)} with one`
  );
}

main().catch((error: Error) => {
  if (interrupted) return;
  console.error(error.stack ?? error.message);
  process.exitCode = 1;
});
