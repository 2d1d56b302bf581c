import { logContext } from '@leap/logging';
import type { ContextRunner } from '@leap/messaging';

/** Every log line written while a message is handled carries its ids. */
export const runInLogContext: ContextRunner = (fields, fn) =>
  logContext.run(
    {
      ...logContext.get(),
      messageId: fields.messageId,
      correlationId: fields.correlationId,
      // A chain started by an HTTP request is correlated by that request's id.
      requestId: logContext.get()?.requestId ?? fields.correlationId,
      userId: fields.userId,
    },
    fn,
  );

/** The request id of the HTTP request being served, if any: the correlation id of what it publishes. */
export const ambientRequestId = (): string | undefined => logContext.get()?.requestId;
