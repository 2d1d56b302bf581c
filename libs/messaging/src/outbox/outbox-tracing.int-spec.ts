import { SpanKind, trace } from '@opentelemetry/api';
import { parseTraceparent, recordSpans, type SpanRecorder } from '@leap/testing';
import { BusHarness, waitFor, type TransportKind, type TestBus, type TestContext } from '../test-support/harness';

const EVENT = 'test.thing.happened.v1';
const QUEUE = 'consumer.traced';

type Thing = { aggregateId: string; seq: number };

const kinds: TransportKind[] = (process.env.LEAP_TEST_TRANSPORTS ?? 'amqp,postgres').split(',') as TransportKind[];

// One provider for the file: tracers obtained from the API keep the provider they first saw.
let recorder: SpanRecorder;
beforeAll(() => {
  recorder = recordSpans();
});
afterAll(() => recorder.stop());

describe.each(kinds)('a message published through the outbox over %s', (kind) => {
  const h = new BusHarness(kind);
  let producer: TestBus;
  const seen: { traceparent?: string; active?: { traceId: string; spanId: string } }[] = [];

  beforeAll(async () => {
    recorder.reset();
    await h.setup();
    producer = await h.bus('producer');
    await producer.start();
    const consumer = await h.bus('consumer');
    consumer.registerConsumer({ queue: QUEUE, types: [EVENT] });
    consumer.registerHandler({
      queue: QUEUE,
      type: EVENT,
      name: 'traced-handler',
      handle: async (ctx: TestContext<Thing>) => {
        const active = trace.getActiveSpan()?.spanContext();
        seen.push({ traceparent: ctx.envelope.traceparent, active: active && { traceId: active.traceId, spanId: active.spanId } });
      },
    });
    await consumer.start();
  });
  afterAll(() => h.teardown());

  it('is published by the relay in the trace of the work that wrote it, and handled in that trace', async () => {
    const ds = await h.dataSource();
    const tracer = trace.getTracer('test');
    const origin = await tracer.startActiveSpan('upload', async (span) => {
      await ds.transaction((m) => producer.publish(m, EVENT, { aggregateId: 'traced', seq: 1 }, { subject: 'traced' }));
      span.end();
      return span.spanContext();
    });

    const [handled] = await waitFor(async () => seen, (s) => s.length >= 1);
    const publish = await waitFor(
      async () => recorder.spans().find((s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.rabbitmq.destination.routing_key'] === EVENT),
      (s) => s !== undefined,
    );
    const process = await waitFor(
      async () => recorder.spans().find((s) => s.kind === SpanKind.CONSUMER && s.name === `${QUEUE} process`),
      (s) => s !== undefined,
    );

    // The relay ran later, outside the upload's context, yet its publish is a child of the upload.
    expect(publish!.spanContext().traceId).toBe(origin.traceId);
    expect(publish!.parentSpanContext?.spanId).toBe(origin.spanId);
    // The message names the publish, and the consumer's span follows it.
    expect(parseTraceparent(handled!.traceparent)).toEqual({ traceId: origin.traceId, spanId: publish!.spanContext().spanId });
    expect(process!.spanContext().traceId).toBe(origin.traceId);
    expect(process!.parentSpanContext?.spanId).toBe(publish!.spanContext().spanId);
    // The handler runs inside the consumer's span.
    expect(handled!.active).toEqual({ traceId: origin.traceId, spanId: process!.spanContext().spanId });
  });
});
