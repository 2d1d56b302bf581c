import { trace } from '@opentelemetry/api';
import { DataSource } from 'typeorm';
import { eventually, parseTraceparent, recordSpans, type SpanRecorder } from '@leap/testing';
import { BusHarness, type TestBus, type TestContext } from '@leap/messaging/src/test-support/harness';
import { JobsRuntime } from './jobs-runtime';
import { jobsDdl } from './jobs.sql';

const COMMAND = 'test.do-thing.v1';
const EVENT = 'test.thing.happened.v1';
const QUEUE = 'worker.things';
const KIND = 'test.work';

type Command = { aggregateId: string };

/** Jobs run on the runner's loop, long after the message that queued them: their spans and what they publish stay in its trace. */
describe('a job in the trace of the message that queued it', () => {
  // The jobs runtime sits above the transport; one transport is enough here.
  const h = new BusHarness('postgres');
  let recorder: SpanRecorder;
  let producer: TestBus;
  let worker: TestBus;
  let runtime: JobsRuntime;
  let workerData: DataSource;
  let db: DataSource;
  const ranIn: Array<{ traceId: string; spanId: string } | undefined> = [];

  beforeAll(async () => {
    recorder = recordSpans();
    await h.setup(['producer', 'worker']);
    db = await h.dataSource();
    for (const sql of jobsDdl('worker')) await db.query(sql);
    producer = await h.bus('producer');
    await producer.start();
    workerData = new DataSource({ type: 'postgres', url: h.db.url, poolSize: 4 });
    await workerData.initialize();
    worker = await h.bus('worker', { dataSource: workerData });
    runtime = new JobsRuntime({ service: 'worker', schema: 'worker', dataSource: workerData, databaseUrl: h.db.url, bus: worker, concurrency: { [KIND]: 1 }, pollIntervalMs: 200 });
    runtime.register({
      kind: KIND,
      async run(job) {
        const active = trace.getActiveSpan()?.spanContext();
        ranIn.push(active && { traceId: active.traceId, spanId: active.spanId });
        return (ctx: TestContext<unknown>) => ctx.publish(EVENT, { aggregateId: job.data.aggregateId, seq: 1 }, { subject: job.data.aggregateId });
      },
    });
    worker.registerConsumer({ queue: QUEUE, types: [COMMAND] });
    worker.registerHandler({ queue: QUEUE, type: COMMAND, name: 'accept', handle: (ctx: TestContext<Command>) => runtime.enqueue(ctx, KIND) });
    await worker.start();
    await runtime.start();
  });
  afterAll(async () => {
    await runtime?.stop();
    await worker?.stop();
    await workerData?.destroy().catch(() => undefined);
    await h.teardown();
    await recorder.stop();
  });

  it('runs the job in a span whose parent is the stored traceparent, and its result carries that trace', async () => {
    const origin = await trace.getTracer('test').startActiveSpan('request', async (span) => {
      await db.transaction((m) => producer.send(m, COMMAND, { aggregateId: 'traced' }, { subject: 'traced' }));
      span.end();
      return span.spanContext();
    });

    const result = await eventually(async () => {
      const [row] = await db.query(`SELECT message->'headers'->>'traceparent' AS traceparent FROM worker.outbox WHERE aggregate_id = 'traced' AND routing_key = $1`, [EVENT]);
      expect(row).toBeDefined();
      return row as { traceparent: string };
    }, { timeoutMs: 20_000 });
    const [job] = await db.query(`SELECT envelope->>'traceparent' AS traceparent FROM worker.jobs WHERE subject = 'traced'`);
    const stored = parseTraceparent(job.traceparent)!;
    expect(stored.traceId).toBe(origin.traceId);

    const jobSpan = recorder.spans().find((s) => s.name === `${KIND} job`)!;
    expect(jobSpan).toBeDefined();
    expect(jobSpan.spanContext().traceId).toBe(origin.traceId);
    expect(jobSpan.parentSpanContext?.spanId).toBe(stored.spanId);
    expect(jobSpan.attributes).toMatchObject({ 'leap.job.kind': KIND, 'leap.job.attempt': 1 });
    // The work ran inside the job's span, and what it published names that span.
    expect(ranIn).toEqual([{ traceId: origin.traceId, spanId: jobSpan.spanContext().spanId }]);
    expect(parseTraceparent(result.traceparent)).toEqual({ traceId: origin.traceId, spanId: jobSpan.spanContext().spanId });
  });
});
