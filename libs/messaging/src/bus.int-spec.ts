import { HEADER, toWire } from './envelope';
import { LeapError } from './errors';
import { parkedFailureReport, type ParkedFailure } from './parking';
import { startTcpProxy } from '@leap/testing';
import { BusHarness, sleep, waitFor, type TransportKind, type TestBus, type TestContext } from './test-support/harness';

const EVENT = 'test.thing.happened.v1';
const QUEUE = 'consumer.things';
const RESULT = 'test.thing-result.v1';

type Thing = { aggregateId: string; seq: number; note?: string };

async function recordEffect(ctx: TestContext<Thing>, schema = 'consumer'): Promise<void> {
  await ctx.manager.query(`INSERT INTO "${schema}".effects (message_id, aggregate_id, seq, note) VALUES ($1, $2, $3, $4)`, [
    ctx.envelope.id,
    ctx.data.aggregateId,
    ctx.data.seq,
    ctx.data.note ?? null,
  ]);
}

const kinds: TransportKind[] = (process.env.LEAP_TEST_TRANSPORTS ?? 'amqp,postgres').split(',') as TransportKind[];

describe.each(kinds)('message bus over %s', (kind) => {
  const h = new BusHarness(kind);
  let producer: TestBus;

  beforeAll(async () => {
    await h.setup();
  });
  afterAll(() => h.teardown());

  async function startConsumer(
    handle: (ctx: TestContext<Thing>) => Promise<unknown>,
    queue = QUEUE,
    options: Parameters<BusHarness['bus']>[1] = {},
  ): Promise<TestBus> {
    const bus = await h.bus('consumer', options);
    bus.registerConsumer({ queue, types: [EVENT] });
    bus.registerHandler({ queue, type: EVENT, handle, name: 'test-handler' });
    await bus.start();
    return bus;
  }

  beforeAll(async () => {
    producer = await h.bus('producer');
    await producer.start();
  });

  it('publishes nothing when the transaction rolls back, and exactly its events when it commits', async () => {
    const queue = 'consumer.commit';
    const consumer = await startConsumer((ctx) => recordEffect(ctx), queue);
    const ds = await h.dataSource();
    await expect(
      ds.transaction(async (m) => {
        await producer.publish(m, EVENT, { aggregateId: 'rolled-back', seq: 1 }, { subject: 'rolled-back' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    await ds.transaction(async (m) => {
      await producer.publish(m, EVENT, { aggregateId: 'committed', seq: 1 }, { subject: 'committed' });
      await producer.publish(m, EVENT, { aggregateId: 'committed', seq: 2 }, { subject: 'committed' });
    });
    const effects = await waitFor(() => h.effects('consumer'), (e) => e.filter((x) => x.aggregate_id === 'committed').length >= 2);
    await sleep(500);
    const after = await h.effects('consumer');
    expect(after.filter((e) => e.aggregate_id === 'committed').map((e) => e.seq)).toEqual([1, 2]);
    expect(after.filter((e) => e.aggregate_id === 'rolled-back')).toEqual([]);
    expect(effects.length).toBeGreaterThanOrEqual(2);
    const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM producer.outbox WHERE aggregate_id = 'rolled-back'`);
    expect(n).toBe(0);
    await consumer.stop();
  });

  it('rejects a payload that breaks its contract at send time', async () => {
    const ds = await h.dataSource();
    await expect(ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 7, seq: 'x' }))).rejects.toMatchObject({
      code: 'MESSAGING.INVALID_PAYLOAD',
    });
    await expect(ds.transaction((m) => producer.publish(m, 'test.nope.v1', {}))).rejects.toMatchObject({ code: 'MESSAGING.UNKNOWN_TYPE' });
  });

  it('has one effect for a message delivered twice', async () => {
    const queue = 'consumer.dedupe';
    const consumer = await startConsumer((ctx) => recordEffect(ctx), queue);
    const envelope = producer.envelope(EVENT, { aggregateId: 'twice', seq: 1 }, { subject: 'twice' });
    const wire = toWire(envelope);
    await producer.transport.publish('test.events', EVENT, wire);
    await producer.transport.publish('test.events', EVENT, wire);
    await waitFor(() => h.effects('consumer'), (e) => e.some((x) => x.aggregate_id === 'twice'));
    await sleep(600);
    expect((await h.effects('consumer')).filter((e) => e.aggregate_id === 'twice')).toHaveLength(1);
    await consumer.stop();
  });

  it('retries a failing handler through the tiers, then parks it with fault headers; replay succeeds once the fault is gone', async () => {
    const queue = 'consumer.flaky';
    let failing = true;
    let attempts = 0;
    const consumer = await startConsumer(async (ctx) => {
      attempts++;
      if (failing) throw new LeapError('TEST.DOWNSTREAM_DOWN', 'downstream is down', { retryable: true });
      await recordEffect(ctx);
    }, queue);
    const ds = await h.dataSource();
    await ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 'flaky', seq: 1 }, { subject: 'flaky' }));
    const parked = await waitFor(() => consumer.parked(queue), (p) => p.length === 1);
    // (1 + immediate retries) tries on the first delivery and after each of the two tiers.
    expect(attempts).toBe(2 * 3);
    const headers = parked[0]!.headers;
    expect(headers[HEADER.faultCode]).toBe('TEST.DOWNSTREAM_DOWN');
    expect(headers[HEADER.faultMessage]).toBe('downstream is down');
    expect(headers[HEADER.faultType]).toBe('LeapError');
    expect(String(headers[HEADER.faultStack])).toContain('downstream is down');
    expect(headers[HEADER.faultConsumer]).toBe('test-handler');
    expect(headers[HEADER.faultExchange]).toBe('test.events');
    expect(headers[HEADER.faultRoutingKey]).toBe(EVENT);
    expect(Number(headers[HEADER.faultRetryCount])).toBe(2);
    expect(Number.isNaN(Date.parse(String(headers[HEADER.faultedAt])))).toBe(false);
    expect((await h.effects('consumer')).filter((e) => e.aggregate_id === 'flaky')).toHaveLength(0);

    failing = false;
    expect(await consumer.replay(queue)).toBe(1);
    await waitFor(() => h.effects('consumer'), (e) => e.some((x) => x.aggregate_id === 'flaky'));
    expect(await consumer.parked(queue)).toHaveLength(0);
    await consumer.stop();
  });

  async function startListener(queue: string): Promise<{ bus: TestBus; results: Array<{ aggregateId: string; count: number }> }> {
    const results: Array<{ aggregateId: string; count: number }> = [];
    const bus = await h.bus('producer');
    bus.registerConsumer({ queue, types: [RESULT] });
    bus.registerHandler({ queue, type: RESULT, handle: async (ctx: TestContext<{ aggregateId: string; count: number }>) => void results.push(ctx.data) });
    await bus.start();
    return { bus, results };
  }

  it('calls the onParked hook once when the retries run out; what it publishes goes through the outbox, and a replay that succeeds proceeds', async () => {
    const queue = 'consumer.exhausted';
    const listener = await startListener('listener.exhausted');
    let failing = true;
    const failures: ParkedFailure[] = [];
    const consumer = await h.bus('consumer');
    consumer.registerConsumer({ queue, types: [EVENT] });
    consumer.registerHandler({
      queue,
      type: EVENT,
      name: 'test-handler',
      handle: async (ctx: TestContext<Thing>) => {
        if (failing) throw new LeapError('TEST.DOWNSTREAM_DOWN', 'downstream is down', { retryable: true });
        await recordEffect(ctx);
      },
      onParked: async (ctx: TestContext<Thing>, failure) => {
        failures.push(failure);
        await ctx.publish(RESULT, { aggregateId: ctx.data.aggregateId, count: -1 }, { subject: ctx.data.aggregateId });
      },
    });
    await consumer.start();
    const ds = await h.dataSource();
    await ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 'exhausted', seq: 1 }, { subject: 'exhausted' }));

    const parked = await waitFor(() => consumer.parked(queue), (p) => p.length === 1);
    expect(parked[0]!.headers[HEADER.faultCode]).toBe('TEST.DOWNSTREAM_DOWN');
    await waitFor(async () => listener.results, (r) => r.length === 1);
    await sleep(700);
    expect(listener.results).toEqual([{ aggregateId: 'exhausted', count: -1 }]);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ code: 'TEST.DOWNSTREAM_DOWN', message: 'downstream is down', retriesExhausted: true, retryCount: 2 });
    expect(parkedFailureReport('TEST', failures[0]!)).toEqual({
      code: 'TEST.RETRIES_EXHAUSTED',
      message: 'Gave up after 2 retry tiers; last error TEST.DOWNSTREAM_DOWN: downstream is down',
      retryable: false,
    });
    const outbox = await ds.query(`SELECT routing_key, aggregate_id FROM consumer.outbox WHERE routing_key = $1`, [RESULT]);
    expect(outbox).toEqual([{ routing_key: RESULT, aggregate_id: 'exhausted' }]);

    // An operator replays it once the fault is gone: the handler's effect happens, the hook does not run again.
    failing = false;
    expect(await consumer.replay(queue)).toBe(1);
    await waitFor(() => h.effects('consumer'), (e) => e.some((x) => x.aggregate_id === 'exhausted'));
    await sleep(300);
    expect(await consumer.parked(queue)).toHaveLength(0);
    expect(failures).toHaveLength(1);
    expect(listener.results).toHaveLength(1);
    await consumer.stop();
    await listener.bus.stop();
  });

  it('keeps the message parked and logs the fault when the onParked hook fails; never for a payload that breaks its contract', async () => {
    const queue = 'consumer.broken-hook';
    const listener = await startListener('listener.broken-hook');
    const errors: Array<{ message: string; meta?: Record<string, unknown> }> = [];
    const logger = { info: () => undefined, warn: () => undefined, error: (message: string, meta?: Record<string, unknown>) => void errors.push({ message, meta }) };
    let hookCalls = 0;
    const consumer = await h.bus('consumer', { logger });
    consumer.registerConsumer({ queue, types: [EVENT] });
    consumer.registerHandler({
      queue,
      type: EVENT,
      name: 'test-handler',
      handle: async () => {
        throw new LeapError('TEST.BAD_INPUT', 'cannot ever work', { retryable: false });
      },
      onParked: async (ctx: TestContext<Thing>) => {
        hookCalls++;
        await ctx.publish(RESULT, { aggregateId: ctx.data.aggregateId, count: -1 }, { subject: ctx.data.aggregateId });
        throw new Error('the hook broke');
      },
    });
    await consumer.start();
    const ds = await h.dataSource();
    await ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 'broken-hook', seq: 1 }, { subject: 'broken-hook' }));

    const parked = await waitFor(() => consumer.parked(queue), (p) => p.length === 1);
    expect(parked[0]!.headers[HEADER.faultCode]).toBe('TEST.BAD_INPUT');
    const logged = await waitFor(async () => errors.filter((e) => e.message === 'Parked-message hook failed; the message stays parked'), (l) => l.length === 1);
    expect(logged[0]!.meta).toMatchObject({ messageId: parked[0]!.messageId, queue, type: EVENT, handler: 'test-handler', error: 'the hook broke' });

    // A message that breaks its contract is parked without reaching the handler or its hook.
    const envelope = producer.envelope(EVENT, { aggregateId: 'broken-hook-invalid', seq: 1 });
    await producer.transport.publish('test.events', EVENT, toWire({ ...envelope, data: { aggregateId: 'broken-hook-invalid', seq: 'x' } }));
    await waitFor(() => consumer.parked(queue), (p) => p.length === 2);

    await sleep(700);
    expect(hookCalls).toBe(1);
    expect(await consumer.parked(queue)).toHaveLength(2);
    expect(await producer.transport.depth(queue)).toBe(0);
    // The hook's transaction rolled back: what it published never left.
    expect(listener.results).toEqual([]);
    expect(await ds.query(`SELECT 1 FROM consumer.outbox WHERE aggregate_id = 'broken-hook'`)).toEqual([]);
    await consumer.stop();
    await listener.bus.stop();
  });

  it('parks an invalid payload at once, without retries', async () => {
    const queue = 'consumer.invalid';
    let attempts = 0;
    const consumer = await startConsumer(async () => {
      attempts++;
    }, queue);
    const envelope = producer.envelope(EVENT, { aggregateId: 'bad', seq: 1 });
    const wire = toWire({ ...envelope, data: { aggregateId: 'bad', seq: 'not a number' } });
    await producer.transport.publish('test.events', EVENT, wire);
    const parked = await waitFor(() => consumer.parked(queue), (p) => p.length === 1, 5000);
    expect(attempts).toBe(0);
    expect(parked[0]!.headers[HEADER.faultCode]).toBe('MESSAGING.INVALID_PAYLOAD');
    expect(String(parked[0]!.headers[HEADER.faultMessage])).toContain('seq: expected number');
    expect(Number(parked[0]!.headers[HEADER.faultRetryCount])).toBe(0);
    await consumer.stop();
  });

  it('parks a non-retryable failure at once', async () => {
    const queue = 'consumer.fatal';
    let attempts = 0;
    const consumer = await startConsumer(async () => {
      attempts++;
      throw new LeapError('TEST.BAD_INPUT', 'cannot ever work', { retryable: false });
    }, queue);
    const ds = await h.dataSource();
    await ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 'fatal', seq: 1 }));
    const parked = await waitFor(() => consumer.parked(queue), (p) => p.length === 1);
    expect(attempts).toBe(1);
    expect(parked[0]!.headers[HEADER.faultCode]).toBe('TEST.BAD_INPUT');
    await consumer.stop();
  });

  it('sends a message to .dlq when consumers keep crashing before they acknowledge', async () => {
    const queue = 'consumer.crashy';
    const ds = await h.dataSource();
    let deliveries = 0;
    for (let round = 0; round < 8; round++) {
      const transport = await h.transport();
      const dataSource = await h.dataSource();
      let received!: () => void;
      const got = new Promise<void>((r) => (received = r));
      const bus = await startConsumer(
        async () => {
          deliveries++;
          received();
          await new Promise(() => undefined); // hangs: the process dies before it acks
        },
        queue,
        { transport, dataSource, shutdownTimeoutMs: 100 },
      );
      if (round === 0) await ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 'crashy', seq: 1 }));
      const outcome = await Promise.race([got.then(() => 'delivered'), sleep(3000).then(() => 'idle')]);
      // Simulate the crash: the connection goes away without an ack.
      await transport.close();
      await dataSource.destroy(); // and its open transaction dies with it
      await bus.stop().catch(() => undefined);
      if (process.env.DEBUG_DLQ) console.log('round', round, outcome, deliveries, await producer.transport.depth(queue).catch((e) => e.message));
      if (outcome === 'idle') break;
      if (kind === 'postgres') await sleep(1100); // the lease of the dead consumer runs out
    }
    const dead = await waitFor(() => producer.parked(queue, 'dlq'), (p) => p.length === 1);
    expect(JSON.parse(dead[0]!.body.toString())).toEqual({ aggregateId: 'crashy', seq: 1 });
    expect(deliveries).toBeGreaterThanOrEqual(3);
    expect(deliveries).toBeLessThanOrEqual(4);

    // Replaying from .dlq to a healthy consumer handles it.
    const healthy = await startConsumer((ctx) => recordEffect(ctx), queue);
    expect(await healthy.replay(queue, { source: 'dlq' })).toBe(1);
    await waitFor(() => h.effects('consumer'), (e) => e.some((x) => x.aggregate_id === 'crashy'));
    await healthy.stop();
  });

  it('handles the events of one aggregate in order and different aggregates in parallel', async () => {
    const queue = 'consumer.ordered';
    let active = 0;
    let maxActive = 0;
    const consumer = await startConsumer(async (ctx) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await sleep(Math.random() * 15);
      await recordEffect(ctx);
      active--;
    }, queue);
    const ds = await h.dataSource();
    const aggregates = ['order-a', 'order-b', 'order-c', 'order-d'];
    for (let seq = 1; seq <= 15; seq++) {
      await ds.transaction(async (m) => {
        for (const a of aggregates) await producer.publish(m, EVENT, { aggregateId: a, seq }, { subject: a });
      });
    }
    const effects = await waitFor(
      () => h.effects('consumer'),
      (e) => e.filter((x) => x.aggregate_id.startsWith('order-')).length === 60,
      20_000,
    );
    for (const a of aggregates) {
      expect(effects.filter((e) => e.aggregate_id === a).map((e) => e.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    }
    expect(maxActive).toBeGreaterThan(1);
    await consumer.stop();
  });

  it('stops gracefully: finishes the message in hand, takes no new one, and leaves the rest queued', async () => {
    const queue = 'consumer.graceful';
    let started!: () => void;
    const inHand = new Promise<void>((r) => (started = r));
    let calls = 0;
    const consumer = await startConsumer(
      async (ctx) => {
        calls++;
        started();
        await sleep(400);
        await recordEffect(ctx);
      },
      queue,
      { prefetch: 1 },
    );
    const ds = await h.dataSource();
    await ds.transaction(async (m) => {
      for (let seq = 1; seq <= 3; seq++) await producer.publish(m, EVENT, { aggregateId: 'graceful', seq }, { subject: 'graceful' });
    });
    await inHand;
    await consumer.stop();
    expect(calls).toBe(1);
    expect((await h.effects('consumer')).filter((e) => e.aggregate_id === 'graceful').map((e) => e.seq)).toEqual([1]);
    await waitFor(() => producer.transport.depth(queue), (n) => n === 2, 5000);

    const next = await startConsumer((ctx) => recordEffect(ctx), queue);
    await waitFor(() => h.effects('consumer'), (e) => e.filter((x) => x.aggregate_id === 'graceful').length === 3);
    await sleep(300);
    expect((await h.effects('consumer')).filter((e) => e.aggregate_id === 'graceful').map((e) => e.seq)).toEqual([1, 2, 3]);
    await next.stop();
  });

  it('answers a query by request/reply', async () => {
    const bus = await h.bus('consumer');
    bus.registerConsumer({ queue: 'consumer.queries', types: ['test.get-thing.v1'] });
    bus.registerHandler({
      queue: 'consumer.queries',
      type: 'test.get-thing.v1',
      handle: async (ctx: TestContext<{ aggregateId: string }>) => {
        if (ctx.data.aggregateId === 'missing') throw new LeapError('TEST.NOT_FOUND', 'no such thing', { status: 404 });
        return { aggregateId: ctx.data.aggregateId, count: 3 };
      },
    });
    await bus.start();
    await expect(producer.request('test.get-thing.v1', { aggregateId: 'q1' })).resolves.toEqual({ aggregateId: 'q1', count: 3 });
    await expect(producer.request('test.get-thing.v1', { aggregateId: 'missing' })).rejects.toMatchObject({ code: 'TEST.NOT_FOUND', status: 404 });
    await bus.stop();
  });

  it('refuses to start when a subscribed type has no handler or two', async () => {
    const missing = await h.bus('consumer');
    missing.registerConsumer({ queue: 'consumer.wiring', types: [EVENT, 'test.do-thing.v1'] });
    missing.registerHandler({ queue: 'consumer.wiring', type: EVENT, handle: async () => undefined });
    await expect(missing.start()).rejects.toThrow(/subscribes to test.do-thing.v1 but no handler handles it/);

    const twice = await h.bus('consumer');
    twice.registerHandler({ queue: 'consumer.wiring', type: EVENT, handle: async () => undefined, name: 'first' });
    expect(() => twice.registerHandler({ queue: 'consumer.wiring', type: EVENT, handle: async () => undefined, name: 'second' })).toThrow(
      /Two handlers for test.thing.happened.v1 on queue consumer.wiring: first and second/,
    );
  });
});

describe('message bus over amqp when the broker is down at commit time', () => {
  const h = new BusHarness('amqp');
  beforeAll(() => h.setup());
  afterAll(() => h.teardown());

  it('keeps committed events in the outbox and publishes exactly them once the broker is back', async () => {
    const broker = new URL(h.vhost!.url);
    const proxy = await startTcpProxy({ targetHost: broker.hostname, targetPort: Number(broker.port || 5672) });
    const producer = await h.bus('producer', { transport: await h.transport({ amqpUrl: proxy.url(h.vhost!.url) }) });
    await producer.start();
    const consumer = await h.bus('consumer');
    consumer.registerConsumer({ queue: QUEUE, types: [EVENT] });
    consumer.registerHandler({ queue: QUEUE, type: EVENT, handle: (ctx: TestContext<Thing>) => recordEffect(ctx) });
    await consumer.start();

    await proxy.cut();
    await waitFor(async () => producer.transport.ping().then(() => 'up', () => 'down'), (s) => s === 'down', 5000);
    const ds = await h.dataSource();
    await ds.transaction(async (m) => {
      for (let seq = 1; seq <= 5; seq++) await producer.publish(m, EVENT, { aggregateId: 'outage', seq }, { subject: 'outage' });
    });
    await expect(ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 'outage-rolled-back', seq: 1 }).then(() => {
      throw new Error('rolled back');
    }))).rejects.toThrow('rolled back');
    await sleep(1500);
    expect(await h.effects('consumer')).toEqual([]);
    expect(await producer.outboxRelay.pending()).toBe(5);

    await proxy.restore();
    const effects = await waitFor(() => h.effects('consumer'), (e) => e.length >= 5, 30_000);
    await sleep(500);
    expect((await h.effects('consumer')).map((e) => [e.aggregate_id, e.seq])).toEqual([1, 2, 3, 4, 5].map((seq) => ['outage', seq]));
    expect(effects.length).toBe(5);
    expect(await producer.outboxRelay.pending()).toBe(0);
    await proxy.close();
  }, 300_000);
});
