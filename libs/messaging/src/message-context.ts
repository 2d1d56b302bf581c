import type { EntityManager } from 'typeorm';
import type { MessageBus } from './bus';
import type { DeliveryInfo, Envelope } from './envelope';
import type { Messages, MessageTypeOf } from './message-map';

export interface PublishOptions {
  /** The aggregate the message is about (ordering key, CloudEvents subject). */
  subject?: string;
  tenant?: string;
  /** The message that caused this one: its correlation, tenant and trace are carried on. */
  causation?: Envelope;
  correlationId?: string;
}

/**
 * What a handler gets: the message, its delivery, the transaction, and a way to emit more.
 * `T` is the message's payload; `M` the payloads by message type that `publish` checks against.
 */
export class MessageContext<T = unknown, M extends object = Messages> {
  constructor(
    readonly envelope: Envelope<T>,
    readonly delivery: DeliveryInfo,
    /** The transaction the inbox record and the handler's effect commit in. */
    readonly manager: EntityManager,
    private readonly bus: MessageBus<M, any>,
  ) {}

  get data(): T {
    return this.envelope.data;
  }

  /** Publish an event (or send a command) in this handler's transaction, caused by this message. */
  async publish<K extends MessageTypeOf<M>>(type: K, data: M[K], options: Omit<PublishOptions, 'causation'> = {}): Promise<void> {
    await this.bus.publish(this.manager, type, data, { ...options, causation: this.envelope });
  }

  send<K extends MessageTypeOf<M>>(type: K, data: M[K], options: Omit<PublishOptions, 'causation'> = {}): Promise<void> {
    return this.publish(type, data, options);
  }
}
