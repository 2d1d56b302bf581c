/**
 * Shared pieces of the message bus benchmark: its own small catalogue, the consumer bus (used
 * in-process by run.ts and in a second process by consumer.ts), and clock/statistics helpers.
 */
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { AmqpTransport, MessageBus, type MessageCatalog, type MessageDefinition } from '@leap/messaging';

export const EVENT = 'bench.thing.happened.v1';
export const QUEUE = 'consumer.bench';
export const PRODUCER_SCHEMA = 'producer';
export const CONSUMER_SCHEMA = 'consumer';

/** Payload of the benchmark event: `sentAt` is the producer's clock just before its commit. */
export interface BenchEvent {
  phase: string;
  aggregateId: string;
  seq: number;
  sentAt: number;
}

const FIELDS: Record<keyof BenchEvent, 'string' | 'number'> = { phase: 'string', aggregateId: 'string', seq: 'number', sentAt: 'number' };

/** One event type owned by a `bench` service, validated like a contract would be. */
export function benchCatalog(): MessageCatalog {
  const def: MessageDefinition = {
    type: EVENT,
    kind: 'event',
    service: 'bench',
    schema: 'leap.bench.v1.ThingHappened',
    validate(data: unknown): string[] {
      if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['payload: expected an object'];
      const record = data as Record<string, unknown>;
      const problems: string[] = [];
      for (const [name, type] of Object.entries(FIELDS)) if (typeof record[name] !== type) problems.push(`${name}: expected ${type}`);
      for (const name of Object.keys(record)) if (!(name in FIELDS)) problems.push(`${name}: unknown field`);
      return problems;
    },
  };
  return { get: (t) => (t === EVENT ? def : undefined), all: () => [def] };
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one machine. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One handled event: [sent just before commit, handler started (inside its transaction), handler transaction committed]. */
export type Sample = [sentAt: number, startedAt: number, doneAt: number];

export interface ConsumerOptions {
  databaseUrl: string;
  amqpUrl: string;
  /** Name written into each effect row, to tell the consumer processes apart. */
  name: string;
  prefetch: number;
  poolSize: number;
  onSample(phase: string, sample: Sample): void;
}

export interface RunningConsumer {
  bus: MessageBus;
  stop(): Promise<void>;
}

/**
 * A consumer service: one MessageBus on the `consumer` schema whose handler writes an effect
 * row in the transaction that also records the message in the inbox. The latency of an event
 * ends when that transaction has committed (the bus's context runner wraps the handling, so it
 * returns right after the commit and the ack).
 */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const dataSource = new DataSource({ type: 'postgres', url: options.databaseUrl, poolSize: options.poolSize, applicationName: `bench-${options.name}` });
  await dataSource.initialize();
  const transport = new AmqpTransport({ url: options.amqpUrl, connectionName: `bench-${options.name}` });
  const pending = new Map<string, { phase: string; sentAt: number; startedAt: number }>();
  const bus = new MessageBus({
    service: CONSUMER_SCHEMA,
    transport,
    catalog: benchCatalog(),
    dataSource,
    schema: CONSUMER_SCHEMA,
    databaseUrl: options.databaseUrl,
    prefetch: options.prefetch,
    runInContext: async (fields, fn) => {
      const result = await fn();
      const id = fields.messageId;
      const started = id ? pending.get(id) : undefined;
      if (id && started) {
        pending.delete(id);
        options.onSample(started.phase, [started.sentAt, started.startedAt, now()]);
      }
      return result;
    },
  });
  bus.registerConsumer({ queue: QUEUE, types: [EVENT] });
  bus.registerHandler({
    queue: QUEUE,
    type: EVENT,
    name: 'bench-effect',
    handle: async (ctx) => {
      const data = ctx.data as BenchEvent;
      pending.set(ctx.envelope.id, { phase: data.phase, sentAt: data.sentAt, startedAt: now() });
      await ctx.manager.query(
        `INSERT INTO "${CONSUMER_SCHEMA}".effects (message_id, phase, aggregate_id, seq, handled_by) VALUES ($1, $2, $3, $4, $5)`,
        [ctx.envelope.id, data.phase, data.aggregateId, data.seq, options.name],
      );
    },
  });
  await bus.start();
  return {
    bus,
    stop: async () => {
      await bus.stop();
      await dataSource.destroy().catch(() => undefined);
    },
  };
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return Math.floor(value);
}
