import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { OtlpProtocol } from '@leap/config';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface TracingOptions {
  /** The `service.name` of every span: the service, or `leap` for the embedded mode. */
  serviceName: string;
  /** Where OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_PROTOCOL are read. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Replaces the exporter chosen from the environment (tests export to memory). */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  /** Where spans go: the OTLP traces URL, or undefined when nothing is exported. */
  readonly exportUrl?: string;
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
}

/** Probes are polled every few seconds by the orchestrator; a trace each would drown the real ones. */
function isHealthProbe(url: string | undefined): boolean {
  return url !== undefined && url.startsWith('/health/');
}

/** The OTLP/HTTP exporter for the environment's collector, or undefined when OTEL_EXPORTER_OTLP_ENDPOINT is unset. */
export function traceExporterFromEnv(env: NodeJS.ProcessEnv): { exporter: SpanExporter; url: string } | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  // An invalid value stops the service when its configuration is loaded, with every other bad key.
  if (!URL.canParse(endpoint)) return undefined;
  // The general endpoint names the collector; each signal has its own path below it (OTLP spec).
  const url = `${endpoint.replace(/\/+$/, '')}/v1/traces`;
  const protocol = (env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim() || 'http/protobuf') as OtlpProtocol;
  const exporter = protocol === 'http/json' ? new OTLPJsonTraceExporter({ url }) : new OTLPProtoTraceExporter({ url });
  return { exporter, url };
}

let started: Tracing | undefined;

/**
 * Starts OpenTelemetry for this process: W3C trace-context propagation, the AsyncLocalStorage
 * context manager, and instrumentation of HTTP, NestJS, pg and amqplib. It must run before those
 * modules load, or their instrumentation misses them (see `runTracedService`).
 *
 * Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set. When it is not,
 * spans are still made, so log lines carry trace and span ids and each message carries its
 * traceparent, but no exporter is created and nothing leaves the process.
 *
 * Once per process: a second call returns the tracing already started.
 */
export function startTracing(options: TracingOptions): Tracing {
  if (started) return started;
  const env = options.env ?? process.env;
  const exported = options.spanProcessors ? undefined : traceExporterFromEnv(env);
  const spanProcessors = options.spanProcessors ?? (exported ? [new BatchSpanProcessor(exported.exporter)] : [new NoopSpanProcessor()]);
  const sdk = new NodeSDK({
    serviceName: options.serviceName,
    resource: resourceFromAttributes(env.SERVICE_VERSION ? { 'service.version': env.SERVICE_VERSION } : {}),
    contextManager: new AsyncLocalStorageContextManager(),
    textMapPropagator: new W3CTraceContextPropagator(),
    spanProcessors,
    // Traces only: no log or metric exporter is configured from the environment.
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => isHealthProbe(request.url) }),
      new NestInstrumentation(),
      // Queries outside any span (relay and job polling, LISTEN) would each be a trace of their own.
      new PgInstrumentation({ requireParentSpan: true }),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  const tracing: Tracing = {
    exportUrl: exported?.url,
    shutdown: async () => {
      await sdk.shutdown().catch(() => undefined);
      if (started === tracing) started = undefined;
    },
  };
  started = tracing;
  return tracing;
}
