import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BusHarness, sleep, waitFor, type TestContext } from './test-support/harness';

const run = promisify(execFile);
const EVENT = 'test.thing.happened.v1';

/**
 * Restarts the machine's RabbitMQ application while events flow. It disturbs every connection
 * on the broker, so it runs alone, after the parallel suite (see scripts/test.js).
 */
describe('RabbitMQ restart while events flow', () => {
  const h = new BusHarness('amqp');
  beforeAll(() => h.setup());
  afterAll(() => h.teardown());

  it('loses no event and handles none twice', async () => {
    const producer = await h.bus('producer');
    await producer.start();
    const consumer = await h.bus('consumer');
    consumer.registerConsumer({ queue: 'consumer.restart', types: [EVENT] });
    consumer.registerHandler({
      queue: 'consumer.restart',
      type: EVENT,
      handle: async (ctx: TestContext<{ aggregateId: string; seq: number }>) => {
        await ctx.manager.query(`INSERT INTO consumer.effects (message_id, aggregate_id, seq) VALUES ($1, $2, $3)`, [
          ctx.envelope.id,
          ctx.data.aggregateId,
          ctx.data.seq,
        ]);
      },
    });
    await consumer.start();
    const ds = await h.dataSource();

    let published = 0;
    let stop = false;
    const flow = (async () => {
      for (let seq = 1; !stop; seq++) {
        await ds.transaction(async (m) => {
          for (let a = 0; a < 5; a++) await producer.publish(m, EVENT, { aggregateId: `agg-${a}`, seq }, { subject: `agg-${a}` });
        });
        published += 5;
        await sleep(20);
      }
    })();

    await waitFor(() => h.effects('consumer'), (e) => e.length > 50, 20_000);
    await run('rabbitmqctl', ['-q', 'stop_app'], { timeout: 120_000 });
    await sleep(1000);
    await run('rabbitmqctl', ['-q', 'start_app'], { timeout: 120_000 });
    await run('rabbitmqctl', ['-q', 'await_startup'], { timeout: 120_000 });
    await sleep(2000);
    stop = true;
    await flow;

    const effects = await waitFor(() => h.effects('consumer'), (e) => e.length >= published, 60_000);
    expect(effects).toHaveLength(published);
    expect(new Set(effects.map((e) => e.message_id)).size).toBe(published);
    for (let a = 0; a < 5; a++) {
      const seqs = effects.filter((e) => e.aggregate_id === `agg-${a}`).map((e) => e.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
    await consumer.stop();
    await producer.stop();
  }, 300_000);
});
