import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { trace } from '@opentelemetry/api';

/** Exports the spans buffered so far. A no-op when tracing was not started. */
export async function flushSpans(): Promise<void> {
  // The API hands out a proxy; the SDK's provider behind it is the one that buffers.
  const provider = trace.getTracerProvider() as { getDelegate?: () => unknown };
  const delegate = (provider.getDelegate?.() ?? provider) as { forceFlush?: () => Promise<void> };
  await delegate.forceFlush?.().catch(() => undefined);
}

/** At shutdown, after the bus has stopped, the last spans (the final publishes) leave before the process ends. */
@Injectable()
export class SpanFlushOnShutdown implements OnApplicationShutdown {
  async onApplicationShutdown(): Promise<void> {
    await flushSpans();
  }
}
