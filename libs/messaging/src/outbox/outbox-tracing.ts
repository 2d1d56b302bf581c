import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { WireMessage } from '../envelope';
import type { Transport } from '../transport';

const tracer = trace.getTracer('@leap/messaging');

/**
 * Publishes an outbox row in the trace of the work that wrote it. The relay runs later, outside
 * that work's context: without this, its publish would start a trace of its own and the
 * consumer would join that one instead. A producer span, child of the message's `traceparent`,
 * covers the publish, and the `traceparent` the message carries on names that span, so the
 * consumer's span follows it in the same trace.
 */
export async function publishInMessageTrace(transport: Transport, exchange: string, routingKey: string, message: WireMessage): Promise<void> {
  const traceparent = message.headers.traceparent;
  const parent = typeof traceparent === 'string' ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
  const span = tracer.startSpan(
    `${exchange} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': transport.kind === 'amqp' ? 'rabbitmq' : 'postgresql',
        'messaging.operation.type': 'send',
        'messaging.destination.name': exchange,
        'messaging.rabbitmq.destination.routing_key': routingKey,
        'messaging.message.id': message.messageId,
      },
    },
    parent,
  );
  const active = trace.setSpan(parent, span);
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const headers = carrier.traceparent ? { ...message.headers, traceparent: carrier.traceparent } : message.headers;
  try {
    await context.with(active, () => transport.publish(exchange, routingKey, { ...message, headers }));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
