import { SetMetadata } from '@nestjs/common';
import type { MessageContext } from '../bus';
import type { Messages, MessageTypeOf } from '../message-map';
import type { ParkedFailure } from '../parking';

export const MESSAGE_HANDLER_METADATA = 'leap:message-handler';

export interface MessageHandlerMetadata {
  type: string;
  queue: string;
  /** Name of the method of the same provider the bus calls once the message is parked. */
  onParked?: string;
}

/** The signature of an `onParked` hook method. */
export type ParkedHook = (ctx: MessageContext<any>, failure: ParkedFailure) => Promise<unknown>;

/**
 * Marks a provider method as the handler of one message type on one queue. The queue must be
 * declared among the module's consumers with that type; the bus checks the wiring at boot.
 *
 * `onParked` names a method of the same provider that the bus calls when the message is parked
 * in `<queue>.error` because the handler kept failing (see `HandlerSpec.onParked`): it runs in
 * its own transaction, and what it publishes through `ctx` goes through the outbox. The compiler
 * checks that the method exists and is public, that `type` is a registered message type, and
 * that the handler's context takes that type's payload.
 *
 * ```ts
 * @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'media.trim', onParked: 'trimParked' })
 * async trim(ctx: MessageContext<TrimRecording>) { ... }
 *
 * async trimParked(ctx: MessageContext<TrimRecording>, failure: ParkedFailure) { ... publish the failed event ... }
 * ```
 */
export function MessageHandler<T extends MessageTypeOf<Messages>, K extends string = never>(
  type: T,
  options: { queue: string; onParked?: K },
): <P extends Record<K, ParkedHook>, H extends (ctx: MessageContext<Messages[T]>) => Promise<unknown>>(
  target: P,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<H>,
) => void {
  const metadata: MessageHandlerMetadata = { type, queue: options.queue, ...(options.onParked ? { onParked: options.onParked } : {}) };
  const decorate = SetMetadata<string, MessageHandlerMetadata>(MESSAGE_HANDLER_METADATA, metadata);
  return (target, key, descriptor) => {
    decorate(target, key, descriptor);
  };
}
