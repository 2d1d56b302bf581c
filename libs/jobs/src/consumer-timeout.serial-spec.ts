import { DataSource } from 'typeorm';
import * as amqp from 'amqplib';
import { eventually, rabbitmqctl } from '@leap/testing';
import { BusHarness, type TestBus, type TestContext } from '@leap/messaging/src/test-support/harness';
import { JobsRuntime } from './jobs-runtime';
import { jobsDdl } from './jobs.sql';

const COMMAND = 'test.do-thing.v1';
const EVENT = 'test.thing.happened.v1';
const QUEUE = 'worker.long-things';
const KIND = 'test.long-work';
/** The broker's consumer timeout during this file, and how often it checks it. */
const CONSUMER_TIMEOUT_MS = 2000;
const JOB_MS = 5 * CONSUMER_TIMEOUT_MS;

/**
 * RabbitMQ closes the channel of a delivery left unacknowledged past its consumer timeout (30 min
 * by default) and redelivers it. A job holds no delivery, so a job running several times longer
 * than the timeout completes, once. This file lowers the broker-wide timeout, so it runs alone
 * (`*.serial-spec.ts`) and restores it at the end.
 */
describe('a job longer than the broker’s consumer timeout', () => {
  const h = new BusHarness('amqp');
  let previousTimeout = '1800000';
  let previousTick = '60000';

  /** A numeric setting of the broker's `rabbit` application, when it has one. */
  const setting = async (key: string): Promise<string | undefined> =>
    /\{ok,(\d+)\}/.exec(await rabbitmqctl('eval', `application:get_env(rabbit, ${key}).`))?.[1];

  beforeAll(async () => {
    previousTimeout = (await setting('consumer_timeout')) ?? previousTimeout;
    // Channels read this one without a fallback: it must be put back, never unset.
    previousTick = (await setting('channel_tick_interval')) ?? previousTick;
    await rabbitmqctl('eval', `application:set_env(rabbit, consumer_timeout, ${CONSUMER_TIMEOUT_MS}).`);
    // Channels check the timeout on their tick (a minute by default): every second here.
    await rabbitmqctl('eval', 'application:set_env(rabbit, channel_tick_interval, 1000).');
    await h.setup(['producer', 'worker']);
  });

  afterAll(async () => {
    await h.teardown();
    await rabbitmqctl('eval', `application:set_env(rabbit, consumer_timeout, ${previousTimeout}).`);
    await rabbitmqctl('eval', `application:set_env(rabbit, channel_tick_interval, ${previousTick}).`);
  });

  it('makes the broker take back a delivery held that long (the setting is in force)', async () => {
    const connection = await amqp.connect(h.vhost!.url);
    try {
      const channel = await connection.createChannel();
      const closed = new Promise<string>((resolve) => channel.on('error', (error: Error) => resolve(error.message)));
      await channel.assertQueue('held', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      channel.sendToQueue('held', Buffer.from('held'));
      await channel.consume('held', () => undefined, { noAck: false }); // never acknowledged
      expect(await closed).toMatch(/delivery acknowledgement on channel \d+ timed out/);
    } finally {
      await connection.close().catch(() => undefined);
    }
  }, 300_000);

  it(`runs a ${JOB_MS / 1000} s job to completion exactly once`, async () => {
    const dataSource = await h.dataSource();
    for (const sql of jobsDdl('worker')) await dataSource.query(sql);
    const bus = await h.bus('worker', { dataSource });
    const runtime = new JobsRuntime({ service: 'worker', schema: 'worker', dataSource, databaseUrl: h.db.url, bus, concurrency: { [KIND]: 1 }, leaseMs: 3000 });
    let accepted = 0;
    let runs = 0;
    runtime.register({
      kind: KIND,
      async run(job) {
        runs += 1;
        await new Promise((r) => setTimeout(r, JOB_MS));
        return (ctx: TestContext<unknown>) => ctx.publish(EVENT, { aggregateId: (job.data as { aggregateId: string }).aggregateId, seq: 1 }, { subject: 'long' });
      },
    });
    bus.registerConsumer({ queue: QUEUE, types: [COMMAND] });
    bus.registerHandler({
      queue: QUEUE,
      type: COMMAND,
      name: 'accept',
      handle: (ctx: TestContext<{ aggregateId: string }>) => {
        accepted += 1;
        return runtime.enqueue(ctx, KIND);
      },
    });
    await bus.start();
    await runtime.start();
    const producer: TestBus = await h.bus('producer');
    await producer.start();
    const sender: DataSource = await h.dataSource();
    try {
      await sender.transaction((m) => producer.send(m, COMMAND, { aggregateId: 'long' }, { subject: 'long', tenant: 't' }));
      await eventually(
        async () => expect((await dataSource.query(`SELECT state, attempts FROM worker.jobs`))[0]).toEqual({ state: 'completed', attempts: 1 }),
        { timeoutMs: JOB_MS + 30_000, intervalMs: 200 },
      );
      const results = await dataSource.query(`SELECT count(*)::int AS n FROM worker.outbox WHERE routing_key = $1`, [EVENT]);
      expect(results[0].n).toBe(1);
      expect({ accepted, runs }).toEqual({ accepted: 1, runs: 1 });
      expect(await dataSource.query(`SELECT count(*)::int AS n FROM worker.inbox WHERE consumer = $1`, [QUEUE])).toEqual([{ n: 1 }]);
    } finally {
      await runtime.stop();
    }
  }, 300_000);
});
