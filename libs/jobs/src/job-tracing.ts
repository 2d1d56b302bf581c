import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { JobRecord } from './job-store';

const tracer = trace.getTracer('@leap/jobs');

/**
 * Runs one attempt of a job inside a span whose parent is the `traceparent` of the message that
 * queued it. A job runs later, on a runner's loop, outside that message's context; in this span
 * what the job does (its queries, its calls) and what it publishes when it finishes (the bus
 * stamps each envelope with the active context) stay in the trace that started it.
 */
export async function runInJobSpan<T>(job: JobRecord, fn: () => Promise<T>): Promise<T> {
  const traceparent = job.envelope.traceparent;
  const parent = traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const span = tracer.startSpan(
    `${job.kind} job`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'leap.job.id': job.id,
        'leap.job.kind': job.kind,
        'leap.job.attempt': job.attempts,
        'messaging.message.id': job.envelope.id,
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
