import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '@leap/testing';
import { newMessageId, type WireMessage } from '../../envelope';
import { MessagingConfigurationError, RequestTimeoutError } from '../../errors';
import type { Delivery, QueueSpec, Topology } from '../../transport';
import { PostgresTransport, type PostgresTransportOptions } from './postgres-transport';
import type { TopologyStore } from './topology';

const EVENTS = { name: 'media.events', type: 'topic' as const };
const COMMANDS = { name: 'media.commands', type: 'direct' as const };
const REPO_ROOT = path.resolve(__dirname, '../../../../..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  let value = await fn();
  while (!done(value)) {
    if (Date.now() - start > timeoutMs) throw new Error(`Condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await sleep(20);
    value = await fn();
  }
  return value;
}

function message(data: unknown, extra: Partial<WireMessage> = {}): WireMessage {
  return {
    messageId: newMessageId(),
    type: 'media.recording.trimmed.v1',
    contentType: 'application/json',
    timestamp: Date.now(),
    correlationId: 'corr-1',
    headers: { 'cloudEvents:source': '/leap/test', 'retry-count': 0, flag: true },
    body: Buffer.from(JSON.stringify(data)),
    ...extra,
  };
}

const bodyOf = (m: WireMessage) => JSON.parse(m.body.toString('utf8')) as unknown;

function queue(name: string, bindings: QueueSpec['bindings'] = [], extra: Partial<QueueSpec> = {}): QueueSpec {
  return { name, bindings, deliveryLimit: 5, retryTiersMs: [1000, 60_000], ...extra };
}

function topology(...queues: QueueSpec[]): Topology {
  return { exchanges: [EVENTS, COMMANDS], queues };
}

describe('PostgresTransport', () => {
  let db: TestDatabase;
  let admin: Client;
  const transports: PostgresTransport[] = [];
  const children: ChildProcess[] = [];

  async function transport(options: Partial<PostgresTransportOptions> = {}): Promise<PostgresTransport> {
    const t = new PostgresTransport({ connectionString: db.url, leaseMs: 2000, pollIntervalMs: 100, closeTimeoutMs: 500, ...options });
    transports.push(t);
    await t.connect();
    return t;
  }

  /** Consume and acknowledge, recording what arrived. */
  async function collect(t: PostgresTransport, q: string, prefetch = 10): Promise<Delivery[]> {
    const got: Delivery[] = [];
    await t.consume(q, { prefetch }, async (d) => {
      got.push(d);
      await d.ack();
    });
    return got;
  }

  async function rows(q: string): Promise<{ id: string; retry_tier: string | null; delivery_count: number; locked_by: string | null }[]> {
    const result = await admin.query('SELECT id, retry_tier, delivery_count, locked_by FROM bus.messages WHERE queue = $1 ORDER BY id', [q]);
    return result.rows;
  }

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'leap_test_pgbus' });
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
    await Promise.all(transports.splice(0).map((t) => t.close().catch(() => undefined)));
  });

  afterAll(async () => {
    await admin.end();
    await db.drop();
  });

  describe('topology', () => {
    it('creates its schema and declares queues with their .error and .dlq companions, idempotently and concurrently', async () => {
      const a = new PostgresTransport({ connectionString: db.url });
      const b = new PostgresTransport({ connectionString: db.url });
      transports.push(a, b);
      const topo = topology(queue('topo.q', [{ exchange: EVENTS.name, routingKey: 'media.#' }], { deliveryLimit: 4, retryTiersMs: [10_000, 60_000] }));
      await Promise.all([a.connect(), b.connect()]);
      await Promise.all([a.declare(topo), b.declare(topo), a.declare(topo)]);
      const queues = await admin.query(`SELECT name, kind, parent, delivery_limit, retry_tiers_ms FROM bus.queues WHERE name LIKE 'topo.q%' ORDER BY name`);
      expect(queues.rows).toEqual([
        { name: 'topo.q', kind: 'main', parent: null, delivery_limit: 4, retry_tiers_ms: [10_000, 60_000] },
        { name: 'topo.q.dlq', kind: 'dlq', parent: 'topo.q', delivery_limit: null, retry_tiers_ms: [] },
        { name: 'topo.q.error', kind: 'error', parent: 'topo.q', delivery_limit: null, retry_tiers_ms: [] },
      ]);
      const bindings = await admin.query(`SELECT exchange, routing_key FROM bus.bindings WHERE queue = 'topo.q'`);
      expect(bindings.rows).toEqual([{ exchange: 'media.events', routing_key: 'media.#' }]);
      const exchanges = await admin.query(`SELECT name, type FROM bus.exchanges ORDER BY name`);
      expect(exchanges.rows).toEqual([
        { name: 'media.commands', type: 'direct' },
        { name: 'media.events', type: 'topic' },
      ]);
    });

    it('refuses an exchange redeclared with another type and a binding to an undeclared exchange', async () => {
      const t = await transport();
      await t.declare(topology());
      await expect(t.declare({ exchanges: [{ name: EVENTS.name, type: 'direct' }], queues: [] })).rejects.toThrow(MessagingConfigurationError);
      await expect(t.declare({ exchanges: [], queues: [queue('topo.orphan', [{ exchange: 'nobody.events', routingKey: '#' }])] })).rejects.toThrow(
        /nobody\.events/,
      );
    });

    it('uses another schema when told to', async () => {
      const t = await transport({ schema: 'bus_other' });
      await t.declare(topology(queue('schema.q', [{ exchange: EVENTS.name, routingKey: '#' }])));
      await t.publish(EVENTS.name, 'media.x', message({ n: 1 }));
      const counted = await admin.query(`SELECT count(*)::int AS n FROM bus_other.messages WHERE queue = 'schema.q'`);
      expect(counted.rows[0].n).toBe(1);
      expect(await t.depth('schema.q')).toBe(1);
    });

    it('sees bindings another process declares after it loaded the topology (topology NOTIFY)', async () => {
      const late = { name: 'late.events', type: 'topic' as const };
      const producer = await transport();
      await producer.declare({ exchanges: [late], queues: [] });
      await producer.publish(late.name, 'late.thing.v1', message({ n: 0 }));
      expect(producer.unroutableCount).toBe(1);
      const other = await transport();
      await other.declare({ exchanges: [late], queues: [queue('topo.late', [{ exchange: late.name, routingKey: 'late.*.v1' }])] });
      // Published right after the other process's declare returned, before or after the
      // notification arrives: routed with the new binding either way.
      await producer.publish(late.name, 'late.thing.v1', message({ n: 1 }));
      expect(await producer.depth('topo.late')).toBe(1);
      expect(producer.unroutableCount).toBe(1);
      // And the notification refreshes the cache by itself, without a publish.
      const third = await transport();
      await third.declare({ exchanges: [late], queues: [queue('topo.later', [{ exchange: late.name, routingKey: '#' }])] });
      const dbVersion = (await admin.query(`SELECT version FROM bus.topology_version`)).rows[0].version as string;
      const cachedVersion = () => (producer as unknown as { topology: TopologyStore }).topology.cachedVersion;
      await waitFor(cachedVersion, (v) => v === dbVersion, 2000);
      await producer.publish(late.name, 'late.other.v2', message({ n: 2 }));
      expect(await producer.depth('topo.later')).toBe(1);
    });
  });

  describe('routing', () => {
    it('routes topic keys with * and #, and fans a message out to every bound queue as one row each', async () => {
      const t = await transport();
      await t.declare(
        topology(
          queue('route.star', [{ exchange: EVENTS.name, routingKey: 'media.recording.*.v1' }]),
          queue('route.hash', [{ exchange: EVENTS.name, routingKey: 'media.#' }]),
          queue('route.both', [
            { exchange: EVENTS.name, routingKey: 'media.recording.trimmed.v1' },
            { exchange: EVENTS.name, routingKey: '#.v1' },
          ]),
        ),
      );
      const star = await collect(t, 'route.star');
      const hash = await collect(t, 'route.hash');
      const both = await collect(t, 'route.both');
      const keys = ['media.recording.trimmed.v1', 'media.recording.v1', 'media', 'media.recording.trimmed.extra.v1', 'ingest.recording.uploaded.v2'];
      for (const key of keys) await t.publish(EVENTS.name, key, message({ key }));
      await waitFor(() => hash.length + star.length + both.length, (n) => n === 1 + 4 + 3);
      await sleep(200);
      const keysOf = (ds: Delivery[]) => ds.map((d) => d.routingKey).sort();
      expect(keysOf(star)).toEqual(['media.recording.trimmed.v1']);
      expect(keysOf(hash)).toEqual(['media', 'media.recording.trimmed.extra.v1', 'media.recording.trimmed.v1', 'media.recording.v1'].sort());
      // Bound twice with two matching keys, the queue still gets the message once.
      expect(keysOf(both)).toEqual(['media.recording.trimmed.extra.v1', 'media.recording.trimmed.v1', 'media.recording.v1']);
      expect(t.unroutableCount).toBe(1); // ingest.recording.uploaded.v2 matched nothing
      for (const d of [...star, ...hash, ...both]) expect(d.exchange).toBe(EVENTS.name);
    });

    it('routes direct exchanges by the exact key only', async () => {
      const t = await transport();
      await t.declare(
        topology(
          queue('route.trim', [{ exchange: COMMANDS.name, routingKey: 'media.trim.v1' }]),
          queue('route.wild', [{ exchange: COMMANDS.name, routingKey: 'media.*' }]),
        ),
      );
      await t.publish(COMMANDS.name, 'media.trim.v1', message({ n: 1 }));
      await t.publish(COMMANDS.name, 'media.trim.v2', message({ n: 2 }));
      await t.publish(COMMANDS.name, 'media.trim', message({ n: 3 }));
      expect(await t.depth('route.trim')).toBe(1);
      expect(await t.depth('route.wild')).toBe(0);
      expect(t.unroutableCount).toBe(2);
    });

    it('keeps the whole wire message, and confirms the publish only once the row is committed', async () => {
      const t = await transport();
      await t.declare(topology(queue('route.wire', [{ exchange: EVENTS.name, routingKey: '#' }])));
      const sent = message({ hello: 'wörld' }, { correlationId: 'c-9', replyTo: 'somewhere', headers: { s: 'x', n: 42, b: false, z: null } });
      await t.publish(EVENTS.name, 'media.wire.v1', sent);
      // Confirmed: another connection sees the row right away.
      expect((await rows('route.wire')).length).toBe(1);
      const got = await collect(t, 'route.wire');
      await waitFor(() => got.length, (n) => n === 1);
      const d = got[0]!;
      expect(d.message).toEqual({ ...sent, headers: { s: 'x', n: 42, b: false, z: null } });
      expect(d.message.body.equals(sent.body)).toBe(true);
      expect(d.redelivered).toBe(false);
      expect(d.routingKey).toBe('media.wire.v1');
    });

    it('throws when publishing to an exchange nobody declared', async () => {
      const t = await transport();
      await t.declare(topology());
      await expect(t.publish('ghost.events', 'ghost.v1', message({}))).rejects.toThrow(/ghost\.events is not declared/);
      await expect(t.sendToQueue('ghost.queue', message({}))).rejects.toThrow(/ghost\.queue is not declared/);
    });

    it('puts a message straight onto a queue with sendToQueue, addressed like the AMQP default exchange', async () => {
      const t = await transport();
      await t.declare(topology(queue('route.direct-send')));
      await t.sendToQueue('route.direct-send.error', message({ parked: true }));
      await t.sendToQueue('route.direct-send', message({ n: 1 }));
      const got = await collect(t, 'route.direct-send');
      await waitFor(() => got.length, (n) => n === 1);
      expect(got[0]!.exchange).toBe('');
      expect(got[0]!.routingKey).toBe('route.direct-send');
      expect(await t.depth('route.direct-send.error')).toBe(1);
    });
  });

  describe('consuming', () => {
    it('delivers in insertion order within a queue', async () => {
      const t = await transport();
      await t.declare(topology(queue('consume.order')));
      for (let i = 0; i < 20; i++) await t.sendToQueue('consume.order', message({ i }));
      const got = await collect(t, 'consume.order', 1);
      await waitFor(() => got.length, (n) => n === 20);
      expect(got.map((d) => (bodyOf(d.message) as { i: number }).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('splits messages between competing consumers on two transports without duplicates', async () => {
      const a = await transport();
      const b = await transport();
      await a.declare(topology(queue('consume.compete', [{ exchange: EVENTS.name, routingKey: 'media.#' }])));
      const seen: Record<string, string[]> = { a: [], b: [] };
      const handler = (who: 'a' | 'b') => async (d: Delivery) => {
        seen[who]!.push(d.message.messageId);
        await sleep(5);
        await d.ack();
      };
      await a.consume('consume.compete', { prefetch: 2 }, handler('a'));
      await b.consume('consume.compete', { prefetch: 2 }, handler('b'));
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const m = message({ i });
        ids.push(m.messageId);
        await a.publish(EVENTS.name, 'media.thing.v1', m);
      }
      await waitFor(() => seen.a!.length + seen.b!.length, (n) => n >= 60);
      await sleep(300);
      const all = [...seen.a!, ...seen.b!];
      expect(all.length).toBe(60);
      expect(new Set(all).size).toBe(60);
      expect([...all].sort()).toEqual([...ids].sort());
      expect(seen.a!.length).toBeGreaterThan(0);
      expect(seen.b!.length).toBeGreaterThan(0);
      expect(await a.depth('consume.compete')).toBe(0);
    });

    it('keeps at most prefetch deliveries in flight per subscription', async () => {
      const t = await transport();
      await t.declare(topology(queue('consume.prefetch')));
      let active = 0;
      let maxActive = 0;
      const pending: Delivery[] = [];
      await t.consume('consume.prefetch', { prefetch: 3 }, async (d) => {
        active++;
        maxActive = Math.max(maxActive, active);
        pending.push(d);
      });
      for (let i = 0; i < 10; i++) await t.sendToQueue('consume.prefetch', message({ i }));
      await waitFor(() => pending.length, (n) => n === 3);
      await sleep(400); // several polls: nothing more arrives while three are unacknowledged
      expect(pending.length).toBe(3);
      expect(await t.depth('consume.prefetch')).toBe(7);
      let handled = 0;
      while (handled < 10) {
        const d = await waitFor(() => pending.shift(), (v) => v !== undefined);
        active--;
        await d!.ack();
        handled++;
      }
      expect(maxActive).toBe(3);
      expect(await t.depth('consume.prefetch')).toBe(0);
      expect(await rows('consume.prefetch')).toEqual([]);
    });

    it('redelivers a nacked message at once with redelivered=true', async () => {
      const t = await transport();
      await t.declare(topology(queue('consume.nack')));
      const seen: Delivery[] = [];
      await t.consume('consume.nack', { prefetch: 1 }, async (d) => {
        seen.push(d);
        if (seen.length === 1) await d.nack();
        else await d.ack();
      });
      await t.sendToQueue('consume.nack', message({ n: 1 }));
      await waitFor(() => seen.length, (n) => n === 2);
      expect(seen.map((d) => d.redelivered)).toEqual([false, true]);
      expect(seen[1]!.message.messageId).toBe(seen[0]!.message.messageId);
      await waitFor(() => rows('consume.nack'), (r) => r.length === 0);
    });

    it('returns the message to the queue when the handler throws', async () => {
      const t = await transport();
      await t.declare(topology(queue('consume.throws')));
      let calls = 0;
      await t.consume('consume.throws', { prefetch: 1 }, async (d) => {
        calls++;
        if (calls === 1) throw new Error('handler bug');
        await d.ack();
      });
      await t.sendToQueue('consume.throws', message({}));
      await waitFor(() => calls, (n) => n === 2);
      await waitFor(() => rows('consume.throws'), (r) => r.length === 0);
    });

    it('moves a message to <queue>.dlq when its deliveries exceed the delivery limit', async () => {
      const t = await transport();
      await t.declare(topology(queue('consume.limit', [], { deliveryLimit: 3 })));
      let deliveries = 0;
      await t.consume('consume.limit', { prefetch: 1 }, async (d) => {
        deliveries++;
        await d.nack();
      });
      const sent = message({ poison: true });
      await t.sendToQueue('consume.limit', sent);
      const dead = await waitFor(() => t.browse('consume.limit.dlq', 10), (p) => p.length === 1);
      await sleep(300);
      expect(deliveries).toBe(3);
      expect(dead[0]!.message.messageId).toBe(sent.messageId);
      expect(bodyOf(dead[0]!.message)).toEqual({ poison: true });
      expect(await rows('consume.limit')).toEqual([]);
    });

    it('makes a delayed message visible only after its delay, and records its retry tier', async () => {
      const producer = await transport();
      await producer.declare(topology(queue('consume.delay', [], { retryTiersMs: [1000] })));
      // Another instance consumes, so only the poll (not this process's timer) can find the row.
      const consumer = await transport({ pollIntervalMs: 100 });
      const got: { d: Delivery; at: number }[] = [];
      await consumer.consume('consume.delay', { prefetch: 1 }, async (d) => {
        got.push({ d, at: Date.now() });
        await d.ack();
      });
      const start = Date.now();
      await producer.delay('consume.delay', 1000, message({ later: true }, { headers: { 'retry-count': 1 } }));
      const waiting = await rows('consume.delay');
      expect(waiting.map((r) => r.retry_tier)).toEqual(['1s']);
      const view = await admin.query(`SELECT retry_tier, ready::int, in_flight::int, delayed::int FROM bus.queue_depths WHERE queue = 'consume.delay'`);
      expect(view.rows).toEqual([{ retry_tier: '1s', ready: 0, in_flight: 0, delayed: 1 }]);
      expect(await producer.depth('consume.delay')).toBe(0);
      await sleep(700);
      expect(got.length).toBe(0);
      await waitFor(() => got.length, (n) => n === 1, 10_000);
      expect(got[0]!.at - start).toBeGreaterThanOrEqual(950);
      // Soon after it came due (a busy machine may add a little), not at some later pass.
      expect(got[0]!.at - start).toBeLessThan(4000);
      expect(got[0]!.d.message.headers['retry-count']).toBe(1);
      expect(got[0]!.d.redelivered).toBe(false);
    });

    it('wakes an idle consumer by NOTIFY well before the poll would', async () => {
      const consumer = await transport({ pollIntervalMs: 10_000 });
      const producer = await transport({ pollIntervalMs: 10_000 });
      await producer.declare(topology(queue('consume.notify', [{ exchange: EVENTS.name, routingKey: '#' }])));
      const arrivals: number[] = [];
      await consumer.consume('consume.notify', { prefetch: 1 }, async (d) => {
        arrivals.push(Date.now());
        await d.ack();
      });
      await sleep(300); // the consumer is idle now, its next poll seconds away
      const latencies: number[] = [];
      for (let i = 0; i < 5; i++) {
        const start = Date.now();
        await producer.publish(EVENTS.name, 'media.ping.v1', message({ i }));
        await waitFor(() => arrivals.length, (n) => n === i + 1, 15_000);
        latencies.push(arrivals[i]! - start);
        await sleep(50);
      }
      // A poll would take up to 10 s; a quarter of that tells the two apart even on a busy machine.
      expect(Math.max(...latencies)).toBeLessThan(2500);
    });

    it('stops delivering after cancel while in-flight deliveries can still be acked', async () => {
      const t = await transport();
      await t.declare(topology(queue('consume.cancel')));
      const held: Delivery[] = [];
      const sub = await t.consume('consume.cancel', { prefetch: 1 }, async (d) => {
        held.push(d);
      });
      await t.sendToQueue('consume.cancel', message({ n: 1 }));
      await t.sendToQueue('consume.cancel', message({ n: 2 }));
      await waitFor(() => held.length, (n) => n === 1);
      await sub.cancel();
      await held[0]!.ack();
      await sleep(400);
      expect(held.length).toBe(1);
      expect(await t.depth('consume.cancel')).toBe(1);
    });
  });

  describe('leases and crashes', () => {
    it('keeps renewing the lease while a long handler runs, so nobody else gets the message', async () => {
      const leaseMs = 1500;
      const a = await transport({ leaseMs });
      const b = await transport({ leaseMs });
      await a.declare(topology(queue('lease.long')));
      const deliveries: string[] = [];
      const leaseEnd = async () =>
        (await admin.query<{ until: Date | null }>(`SELECT locked_until AS until FROM bus.messages WHERE queue = 'lease.long'`)).rows[0]?.until?.getTime() ?? 0;
      let firstLeaseEnd = 0;
      let finished = false;
      await a.consume('lease.long', { prefetch: 1 }, async (d) => {
        deliveries.push('a');
        // The handler outlives its first lease by two more: it ends once heartbeats have pushed the
        // lease at least two lease lengths past where the claim set it.
        firstLeaseEnd = await leaseEnd();
        await waitFor(leaseEnd, (until) => until >= firstLeaseEnd + 2 * leaseMs, 30_000);
        await d.ack();
        finished = true;
      });
      await a.sendToQueue('lease.long', message({}));
      await waitFor(() => deliveries.length, (n) => n === 1);
      await b.consume('lease.long', { prefetch: 1 }, async (d) => {
        deliveries.push('b');
        await d.ack();
      });
      await waitFor(() => finished, (f) => f, 30_000);
      await sleep(300);
      expect(firstLeaseEnd).toBeGreaterThan(0);
      expect(deliveries).toEqual(['a']);
      expect(await rows('lease.long')).toEqual([]);
    });

    it('redelivers (redelivered=true) the message of a consumer process that was killed, once its lease runs out', async () => {
      const t = await transport();
      await t.declare(topology(queue('lease.crash')));
      const sent = message({ job: 'long' });
      await t.sendToQueue('lease.crash', sent);

      const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'crash-consumer.fixture.ts'), db.url, 'lease.crash', '1000'], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      let errors = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      await waitFor(
        () => output + errors,
        (o) => o.includes('claimed') || child.exitCode !== null,
        30_000,
      );
      expect(errors).toBe('');
      expect(output).toContain(`claimed ${sent.messageId}`);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;

      const claimed = await rows('lease.crash');
      expect(claimed).toHaveLength(1);
      expect(claimed[0]!.delivery_count).toBe(1);
      expect(claimed[0]!.locked_by).not.toBeNull();
      const { rows: lease } = await admin.query<{ until: Date }>(`SELECT locked_until AS until FROM bus.messages WHERE queue = 'lease.crash'`);
      const leaseEnds = lease[0]!.until.getTime();

      const got: { d: Delivery; at: number }[] = [];
      await t.consume('lease.crash', { prefetch: 1 }, async (d) => {
        got.push({ d, at: Date.now() });
        await d.ack();
      });
      await waitFor(() => got.length, (n) => n === 1, 15_000);
      expect(got[0]!.d.message.messageId).toBe(sent.messageId);
      expect(got[0]!.d.redelivered).toBe(true);
      // Not before the dead process's lease ran out (the database and this process share a clock).
      expect(got[0]!.at).toBeGreaterThanOrEqual(leaseEnds - 5);
      await waitFor(() => rows('lease.crash'), (r) => r.length === 0);
    });

    it('counts crashed deliveries towards the delivery limit (crash loop ends in .dlq)', async () => {
      const t = await transport({ leaseMs: 300 });
      await t.declare(topology(queue('lease.crashloop', [], { deliveryLimit: 2 })));
      await t.sendToQueue('lease.crashloop', message({ poison: true }));
      // Two "processes" claim it and die without acknowledging (their leases run out).
      for (let i = 0; i < 2; i++) {
        const victim = await transport({ leaseMs: 300, closeTimeoutMs: 0 });
        let received = false;
        await victim.consume('lease.crashloop', { prefetch: 1 }, async () => {
          received = true;
          await new Promise(() => undefined);
        });
        await waitFor(() => received, (r) => r, 5000);
        await admin.query(`UPDATE bus.messages SET locked_until = now() WHERE queue = 'lease.crashloop'`); // lease over
        await victim.close();
      }
      const got = await collect(t, 'lease.crashloop');
      await waitFor(() => t.browse('lease.crashloop.dlq', 10), (p) => p.length === 1, 5000);
      expect(got).toHaveLength(0);
    });

    it('gives unsettled messages back when closed, so another consumer gets them at once', async () => {
      const a = await transport({ leaseMs: 30_000, closeTimeoutMs: 200 });
      await a.declare(topology(queue('lease.close')));
      let started = false;
      await a.consume('lease.close', { prefetch: 1 }, async () => {
        started = true;
        await new Promise(() => undefined);
      });
      await a.sendToQueue('lease.close', message({ n: 1 }));
      await waitFor(() => started, (s) => s);
      await a.close();
      const b = await transport({ leaseMs: 30_000 });
      const got = await collect(b, 'lease.close');
      await waitFor(() => got.length, (n) => n === 1, 2000);
      expect(got[0]!.redelivered).toBe(true);
    });

    it('waits for in-flight handlers on close, and loses nothing across a restart', async () => {
      const first = await transport({ closeTimeoutMs: 1500 });
      await first.declare(topology(queue('lease.restart', [{ exchange: EVENTS.name, routingKey: 'media.#' }])));
      for (let i = 0; i < 10; i++) await first.publish(EVENTS.name, 'media.restart.v1', message({ i }));
      const handled: number[] = [];
      let acked = 0;
      await first.consume('lease.restart', { prefetch: 2 }, async (d) => {
        const { i } = bodyOf(d.message) as { i: number };
        handled.push(i);
        if (handled.length <= 3) {
          await sleep(300);
          await d.ack();
          acked++;
        }
        // the rest are received but never settled before the process goes away
      });
      await waitFor(() => handled.length, (n) => n >= 3);
      await first.close();
      expect(acked).toBeGreaterThanOrEqual(3);

      // Nothing is running now; the rows are all in the database.
      const remaining = 10 - acked;
      expect((await rows('lease.restart')).length).toBe(remaining);

      const second = await transport();
      const got = await collect(second, 'lease.restart');
      await waitFor(() => got.length, (n) => n === remaining);
      const all = [...handled.slice(0, acked), ...got.map((d) => (bodyOf(d.message) as { i: number }).i)];
      expect([...new Set(all)].sort((x, y) => x - y)).toEqual(Array.from({ length: 10 }, (_, i) => i));
      await waitFor(() => rows('lease.restart'), (r) => r.length === 0);
    });
  });

  describe('parking lot', () => {
    it('browses without removing, counts depth, and drains by id, by limit, or all', async () => {
      const t = await transport();
      await t.declare(topology(queue('park.q')));
      const parked = Array.from({ length: 5 }, (_, i) => message({ i }, { headers: { 'x-fault-code': 'TEST.FAIL' } }));
      for (const m of parked) await t.sendToQueue('park.q.error', m);

      const browsed = await t.browse('park.q.error', 3);
      expect(browsed.map((p) => p.message.messageId)).toEqual(parked.slice(0, 3).map((m) => m.messageId));
      expect(browsed[0]!.message.headers['x-fault-code']).toBe('TEST.FAIL');
      expect(browsed.every((p) => typeof p.handle === 'string' && p.handle.length > 0)).toBe(true);
      expect(await t.depth('park.q.error')).toBe(5);

      const replayed: string[] = [];
      const replay = async (m: WireMessage) => {
        replayed.push(m.messageId);
        await t.sendToQueue('park.q', m);
      };
      expect(await t.drain('park.q.error', { messageIds: [parked[3]!.messageId] }, replay)).toBe(1);
      expect(replayed).toEqual([parked[3]!.messageId]);
      expect(await t.drain('park.q.error', { limit: 2 }, replay)).toBe(2);
      expect(replayed.slice(1)).toEqual([parked[0]!.messageId, parked[1]!.messageId]);
      expect(await t.depth('park.q.error')).toBe(2);
      expect(await t.depth('park.q')).toBe(3);
      expect(await t.drain('park.q.error', {}, async () => undefined)).toBe(2);
      expect(await t.depth('park.q.error')).toBe(0);
      expect(await t.drain('park.q.error', {}, async () => undefined)).toBe(0);
    });

    it('removes a message only after onEach resolved for it', async () => {
      const t = await transport();
      await t.declare(topology(queue('park.fail')));
      const parked = Array.from({ length: 4 }, (_, i) => message({ i }));
      for (const m of parked) await t.sendToQueue('park.fail.dlq', m);
      let calls = 0;
      await expect(
        t.drain('park.fail.dlq', {}, async (m) => {
          calls++;
          if (calls === 2) throw new Error('replay target down');
          await t.sendToQueue('park.fail', m);
        }),
      ).rejects.toThrow('replay target down');
      const left = await t.browse('park.fail.dlq', 10);
      expect(left.map((p) => p.message.messageId)).toEqual(parked.slice(1).map((m) => m.messageId));
      expect(await t.depth('park.fail')).toBe(1);
    });
  });

  describe('request/reply', () => {
    it('answers a request through the requester’s reply queue, correlated by message id', async () => {
      const requester = await transport({ pollIntervalMs: 5000 });
      const responder = await transport();
      await responder.declare(topology(queue('rpc.queries', [{ exchange: COMMANDS.name, routingKey: 'media.get-thing.v1' }])));
      const seenReplyTo: string[] = [];
      await responder.consume('rpc.queries', { prefetch: 4 }, async (d) => {
        seenReplyTo.push(d.message.replyTo!);
        const { n } = bodyOf(d.message) as { n: number };
        await responder.reply(d.message.replyTo!, message({ doubled: n * 2 }, { correlationId: d.message.messageId, type: 'reply' }));
        await d.ack();
      });
      const answers = await Promise.all(
        [1, 2, 3].map((n) => requester.request(COMMANDS.name, 'media.get-thing.v1', message({ n }, { type: 'media.get-thing.v1' }), 5000)),
      );
      expect(answers.map(bodyOf)).toEqual([{ doubled: 2 }, { doubled: 4 }, { doubled: 6 }]);
      expect(new Set(seenReplyTo)).toEqual(new Set([requester.replyQueue]));
      expect(requester.replyQueue).toBe(`bus.reply.${requester.instanceId}`);
      expect(await rows(requester.replyQueue)).toEqual([]);
    });

    it('times out with a RequestTimeoutError, ignores the late reply, and cleans its reply queue on close', async () => {
      const requester = await transport();
      const responder = await transport();
      await responder.declare(topology(queue('rpc.slow', [{ exchange: COMMANDS.name, routingKey: 'media.slow.v1' }])));
      const requests: Delivery[] = [];
      await responder.consume('rpc.slow', { prefetch: 1 }, async (d) => {
        requests.push(d);
      });
      const started = Date.now();
      const error = await requester.request(COMMANDS.name, 'media.slow.v1', message({}, { type: 'media.slow.v1' }), 400).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RequestTimeoutError);
      expect((error as Error).message).toBe('No reply to media.slow.v1 within 400 ms');
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);

      // The late reply lands in the reply queue; nobody waits for it any more.
      const late = requests[0]!;
      await requester.close(); // stop collecting first, so the row stays until close cleans it
      await responder.reply(late.message.replyTo!, message({ late: true }, { correlationId: late.message.messageId }));
      expect((await rows(late.message.replyTo!)).length).toBe(1);
      await late.ack();

      const again = await transport({ instanceId: requester.instanceId });
      await again.close();
      expect(await rows(late.message.replyTo!)).toEqual([]);
    });

    it('drops a reply to a queue that does not exist, as the AMQP default exchange does', async () => {
      const t = await transport();
      await t.declare(topology());
      await t.reply('no.such.queue', message({}));
      expect(t.unroutableCount).toBe(1);
    });
  });

  describe('connection', () => {
    it('pings the database', async () => {
      const t = await transport();
      await expect(t.ping()).resolves.toBeUndefined();
      await t.close();
      await expect(t.ping()).rejects.toThrow(/closed/);
    });

    it('emits disconnected and connected when the LISTEN connection drops, and keeps consuming by NOTIFY afterwards', async () => {
      const instanceId = newMessageId();
      const consumer = await transport({ instanceId, pollIntervalMs: 5000, reconnectMinMs: 50 });
      const producer = await transport();
      await producer.declare(topology(queue('conn.q', [{ exchange: EVENTS.name, routingKey: '#' }])));
      const events: string[] = [];
      consumer.on('disconnected', () => events.push('disconnected'));
      consumer.on('connected', () => events.push('connected'));
      const got: number[] = [];
      await consumer.consume('conn.q', { prefetch: 1 }, async (d) => {
        got.push(Date.now());
        await d.ack();
      });

      const listeners = await admin.query(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%'`,
        [`leap-bus:${instanceId}`],
      );
      expect(listeners.rows).toHaveLength(1);
      await admin.query('SELECT pg_terminate_backend($1)', [listeners.rows[0].pid]);
      await waitFor(() => events.join(','), (e) => e === 'disconnected', 5000);
      // Published while nobody listens: the poll made right after reconnecting finds it.
      await producer.publish(EVENTS.name, 'media.during-outage.v1', message({ n: 1 }));
      await waitFor(() => events.join(','), (e) => e === 'disconnected,connected', 5000);
      await waitFor(() => got.length, (n) => n === 1, 2000);

      await sleep(200);
      const start = Date.now();
      await producer.publish(EVENTS.name, 'media.after.v1', message({ n: 2 }));
      await waitFor(() => got.length, (n) => n === 2, 10_000);
      expect(got[1]! - start).toBeLessThan(2000); // woken by NOTIFY again, not by the 5 s poll
    });
  });
});
