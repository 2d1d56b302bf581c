import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createLogger, createMemoryTransport, logContext } from '@leap/logging';
import { parseTraceparent } from '@leap/testing';
import { flushSpans } from './flush';
import { startTracing, traceExporterFromEnv, type Tracing } from './tracing';

describe('the exporter chosen from the environment', () => {
  it('is none when OTEL_EXPORTER_OTLP_ENDPOINT is unset or blank', () => {
    expect(traceExporterFromEnv({})).toBeUndefined();
    expect(traceExporterFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBeUndefined();
  });

  it('posts OTLP/HTTP protobuf to <endpoint>/v1/traces by default, JSON when asked', () => {
    const proto = traceExporterFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })!;
    expect(proto.url).toBe('http://collector:4318/v1/traces');
    expect(proto.exporter).toBeInstanceOf(OTLPProtoTraceExporter);
    const json = traceExporterFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.org:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })!;
    expect(json.url).toBe('https://otel.example.org:4318/v1/traces');
    expect(json.exporter).toBeInstanceOf(OTLPJsonTraceExporter);
    void proto.exporter.shutdown();
    void json.exporter.shutdown();
  });
});

describe('tracing started in a service process', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(() => {
    tracing = startTracing({ serviceName: 'storage', spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(() => tracing.shutdown());

  it('is started once per process', () => {
    expect(startTracing({ serviceName: 'other', env: {} })).toBe(tracing);
  });

  it('names the service on every span and keeps the active span across awaits and timers', async () => {
    const tracer = trace.getTracer('test');
    const seen = await tracer.startActiveSpan('work', async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const afterTimer = trace.getActiveSpan()?.spanContext().spanId;
      span.end();
      return { afterTimer, own: span.spanContext().spanId };
    });
    expect(seen.afterTimer).toBe(seen.own);
    await flushSpans();
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === 'work');
    expect(span!.resource.attributes['service.name']).toBe('storage');
  });

  it('propagates W3C trace context', () => {
    const span = trace.getTracer('test').startSpan('send');
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(context.active(), span), carrier);
    span.end();
    expect(parseTraceparent(carrier.traceparent)).toEqual({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
    const extracted = trace.getSpanContext(propagation.extract(context.active(), carrier));
    expect(extracted).toMatchObject({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, isRemote: true });
  });

  it('puts the trace and span ids of the active span on every log line written inside it', async () => {
    const memory = createMemoryTransport();
    const logger = createLogger({ service: 'storage', format: 'json', transports: [memory.transport] });
    const tracer = trace.getTracer('test');
    const ids = await tracer.startActiveSpan('handle', async (outer) => {
      logger.info('before');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const inner = await tracer.startActiveSpan('query', async (child) => {
        await logContext.run({ messageId: 'm-1' }, async () => logger.info('inside'));
        child.end();
        return child.spanContext();
      });
      logger.info('after');
      outer.end();
      return { outer: outer.spanContext(), inner };
    });
    logger.info('outside');
    const byMessage = Object.fromEntries(memory.entries().map((e) => [e.message, e]));
    expect(byMessage.before).toMatchObject({ traceId: ids.outer.traceId, spanId: ids.outer.spanId });
    expect(byMessage.inside).toMatchObject({ traceId: ids.outer.traceId, spanId: ids.inner.spanId, messageId: 'm-1' });
    expect(byMessage.after).toMatchObject({ traceId: ids.outer.traceId, spanId: ids.outer.spanId });
    expect(byMessage.outside).not.toHaveProperty('traceId');
    expect(byMessage.outside).not.toHaveProperty('spanId');
  });
});

describe('tracing with no collector configured', () => {
  it('exports nothing, yet log lines still get trace ids', async () => {
    const tracing = startTracing({ serviceName: 'quota', env: {} });
    try {
      expect(tracing.exportUrl).toBeUndefined();
      const memory = createMemoryTransport();
      const logger = createLogger({ service: 'quota', format: 'json', transports: [memory.transport] });
      const spanId = trace.getTracer('test-no-export').startActiveSpan('work', (span) => {
        logger.info('inside');
        span.end();
        return span.spanContext().spanId;
      });
      expect(memory.entries()[0]).toMatchObject({ spanId });
    } finally {
      await tracing.shutdown();
    }
  });
});
