import { logContext } from '@leap/logging';
import type { ContextRunner } from '@leap/messaging';

/** Every log line written while a message is handled carries its ids. */
export const runInLogContext: ContextRunner = (fields, fn) =>
  logContext.run(
    {
      ...logContext.get(),
      messageId: fields.messageId,
      correlationId: fields.correlationId,
      userId: fields.userId,
    },
    fn,
  );
