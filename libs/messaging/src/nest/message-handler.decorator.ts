import { SetMetadata } from '@nestjs/common';

export const MESSAGE_HANDLER_METADATA = 'leap:message-handler';

export interface MessageHandlerMetadata {
  type: string;
  queue: string;
}

/**
 * Marks a provider method as the handler of one message type on one queue. The queue must be
 * declared among the module's consumers with that type; the bus checks the wiring at boot.
 *
 * ```ts
 * @MessageHandler('media.trim-recording.v1', { queue: 'media.trim' })
 * async trim(ctx: MessageContext<TrimRecording>) { ... }
 * ```
 */
export const MessageHandler = (type: string, options: { queue: string }): MethodDecorator =>
  SetMetadata<string, MessageHandlerMetadata>(MESSAGE_HANDLER_METADATA, { type, queue: options.queue });
