import { errorCode } from '@leap/errors';
import { HEADER, type WireMessage } from './envelope';
import type { MessagingLogger } from './logger';
import { queueNames, type Transport } from './transport';

/** A message on its way to `<queue>.error`, with what the fault headers say about it. */
export interface ParkInput {
  queue: string;
  message: WireMessage;
  error: unknown;
  consumer: string;
  exchange: string;
  routingKey: string;
  retryCount: number;
}

/** Moves a message to its queue's parking lot (`<queue>.error`) with fault headers, and logs it. */
export async function parkMessage(transport: Transport, logger: MessagingLogger, input: ParkInput): Promise<void> {
  const error = input.error as Error | undefined;
  const headers: WireMessage['headers'] = {
    ...input.message.headers,
    [HEADER.faultType]: error?.name ?? 'Error',
    [HEADER.faultCode]: errorCode(error),
    [HEADER.faultMessage]: (error?.message ?? String(input.error)).slice(0, 4000),
    [HEADER.faultStack]: (error?.stack ?? '').slice(0, 8000),
    [HEADER.faultConsumer]: input.consumer,
    [HEADER.faultExchange]: input.message.headers[HEADER.originalExchange] ?? input.exchange,
    [HEADER.faultRoutingKey]: input.message.headers[HEADER.originalRoutingKey] ?? input.routingKey,
    [HEADER.faultRetryCount]: input.retryCount,
    [HEADER.faultedAt]: new Date().toISOString(),
  };
  await transport.sendToQueue(queueNames.error(input.queue), { ...input.message, headers });
  logger.error('Message parked', {
    queue: input.queue,
    messageId: input.message.messageId,
    type: input.message.type,
    code: errorCode(error),
    error: error?.message,
  });
}

/** Messages waiting in a queue's parking lot (`error`) or dead-letter queue (`dlq`), with their fault headers. */
export async function browseParked(transport: Transport, queue: string, source: 'error' | 'dlq', limit: number): Promise<WireMessage[]> {
  const name = source === 'error' ? queueNames.error(queue) : queueNames.dlq(queue);
  return (await transport.browse(name, limit)).map((p) => p.message);
}

/**
 * Moves parked messages back to their queue (fault headers and retry count cleared), one, some
 * or all. Only the consumer that failed sees them again, not every subscriber of the event.
 */
export function replayParked(
  transport: Transport,
  queue: string,
  options: { source?: 'error' | 'dlq'; messageIds?: string[]; limit?: number; replayedAt?: Date },
): Promise<number> {
  const from = options.source === 'dlq' ? queueNames.dlq(queue) : queueNames.error(queue);
  return transport.drain(from, { messageIds: options.messageIds, limit: options.limit }, async (message) => {
    await transport.sendToQueue(queue, replayedCopy(message, options.replayedAt ?? new Date()));
  });
}

/**
 * The message as it goes back to its queue: fault headers and `retry-count` removed (it starts
 * afresh), and the replay recorded on the message itself (`x-replay-count`, `x-replayed-at`).
 */
export function replayedCopy(message: WireMessage, replayedAt: Date): WireMessage {
  const headers: WireMessage['headers'] = {};
  for (const [k, v] of Object.entries(message.headers)) {
    if (!k.startsWith('x-fault-') && k !== HEADER.retryCount) headers[k] = v;
  }
  headers[HEADER.replayCount] = Number(message.headers[HEADER.replayCount] ?? 0) + 1;
  headers[HEADER.replayedAt] = replayedAt.toISOString();
  return { ...message, headers };
}

/** Drops parked messages for good. */
export function purgeParked(transport: Transport, queue: string, options: { source?: 'error' | 'dlq'; messageIds?: string[] }): Promise<number> {
  const from = options.source === 'dlq' ? queueNames.dlq(queue) : queueNames.error(queue);
  return transport.drain(from, { messageIds: options.messageIds }, async () => undefined);
}
