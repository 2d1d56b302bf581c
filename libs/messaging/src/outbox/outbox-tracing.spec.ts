import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { parseTraceparent, recordSpans, type SpanRecorder } from '@leap/testing';
import type { WireMessage } from '../envelope';
import type { Transport } from '../transport';
import { publishInMessageTrace } from './outbox-tracing';

const ORIGIN = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };

function wire(traceparent?: string): WireMessage {
  return {
    messageId: '0190c2a4-0000-7000-8000-000000000001',
    type: 'media.recording.trimmed.v1',
    contentType: 'application/json',
    timestamp: Date.now(),
    headers: { 'cloudEvents:id': '0190c2a4-0000-7000-8000-000000000001', ...(traceparent ? { traceparent } : {}) },
    body: Buffer.from('{}'),
  };
}

/** A transport that records what it is asked to publish and the span active at that moment. */
function recordingTransport(fail?: Error) {
  const published: { exchange: string; routingKey: string; message: WireMessage; activeSpanId?: string }[] = [];
  const transport = {
    kind: 'amqp',
    publish: async (exchange: string, routingKey: string, message: WireMessage) => {
      published.push({ exchange, routingKey, message, activeSpanId: trace.getActiveSpan()?.spanContext().spanId });
      if (fail) throw fail;
    },
  } as unknown as Transport;
  return { transport, published };
}

describe('publishing an outbox row in its message trace', () => {
  let recorder: SpanRecorder;
  beforeAll(() => {
    recorder = recordSpans();
  });
  afterEach(() => recorder.reset());
  afterAll(() => recorder.stop());

  it('publishes under a producer span that is a child of the message traceparent, and the message names that span', async () => {
    const { transport, published } = recordingTransport();
    await publishInMessageTrace(transport, 'media.events', 'media.recording.trimmed.v1', wire(`00-${ORIGIN.traceId}-${ORIGIN.spanId}-01`));

    const [span] = recorder.spans();
    expect(recorder.spans()).toHaveLength(1);
    expect(span).toMatchObject({ name: 'media.events publish', kind: SpanKind.PRODUCER });
    expect(span!.spanContext().traceId).toBe(ORIGIN.traceId);
    expect(span!.parentSpanContext?.spanId).toBe(ORIGIN.spanId);
    expect(span!.attributes).toMatchObject({ 'messaging.destination.name': 'media.events', 'messaging.message.id': '0190c2a4-0000-7000-8000-000000000001' });

    expect(published).toHaveLength(1);
    // The consumer continues from the producer span, in the message's trace.
    expect(parseTraceparent(published[0]!.message.headers.traceparent)).toEqual({ traceId: ORIGIN.traceId, spanId: span!.spanContext().spanId });
    // The producer span is active while the transport publishes (amqplib's own span nests under it).
    expect(published[0]!.activeSpanId).toBe(span!.spanContext().spanId);
    expect(published[0]!.message.headers['cloudEvents:id']).toBe('0190c2a4-0000-7000-8000-000000000001');
  });

  it('does not join whatever trace is active in the relay', async () => {
    const { transport, published } = recordingTransport();
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('relay pass', async (pass) => {
      await publishInMessageTrace(transport, 'media.events', 'media.recording.trimmed.v1', wire(`00-${ORIGIN.traceId}-${ORIGIN.spanId}-01`));
      pass.end();
    });
    expect(parseTraceparent(published[0]!.message.headers.traceparent)?.traceId).toBe(ORIGIN.traceId);
  });

  it('starts a trace of its own for a message written outside any trace', async () => {
    const { transport, published } = recordingTransport();
    await publishInMessageTrace(transport, 'ingest.events', 'ingest.recording.registered.v1', wire());
    const [span] = recorder.spans();
    expect(span!.parentSpanContext).toBeUndefined();
    expect(parseTraceparent(published[0]!.message.headers.traceparent)).toEqual({ traceId: span!.spanContext().traceId, spanId: span!.spanContext().spanId });
  });

  it('marks the span failed and rethrows when the broker refuses the message', async () => {
    const { transport } = recordingTransport(new Error('channel closed'));
    await expect(publishInMessageTrace(transport, 'media.events', 'media.recording.trimmed.v1', wire(`00-${ORIGIN.traceId}-${ORIGIN.spanId}-01`))).rejects.toThrow('channel closed');
    expect(recorder.spans()[0]!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'channel closed' });
  });
});
