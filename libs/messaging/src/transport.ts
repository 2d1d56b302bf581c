import type { WireMessage } from './envelope';

/**
 * The broker seen by the messaging library. Two implementations share these semantics:
 * `AmqpTransport` (RabbitMQ, distributed mode) and `PostgresTransport` (rows in PostgreSQL,
 * embedded mode). Retry tiers, parking lot, replay, inbox and outbox live above this
 * interface, in the library, so both transports behave the same.
 */
export interface ExchangeSpec {
  name: string;
  type: 'topic' | 'direct';
}

export interface BindingSpec {
  exchange: string;
  /** Topic pattern (`media.#`, `ingest.recording.*.v1`) or, for direct exchanges, the exact key. */
  routingKey: string;
}

export interface QueueSpec {
  /** `<consumer>.<purpose>`, e.g. `media.trim`. */
  name: string;
  bindings: BindingSpec[];
  /**
   * Deliveries after which the broker itself dead-letters a message to `<name>.dlq`: the net
   * for consumers that crash before they acknowledge (poison messages, OOM loops).
   */
  deliveryLimit: number;
  /** Delays of the retry tiers, e.g. [10_000, 60_000, 600_000] for `.retry.10s`, `.retry.1m`, `.retry.10m`. */
  retryTiersMs: number[];
}

export interface Topology {
  exchanges: ExchangeSpec[];
  queues: QueueSpec[];
}

/** One received message. Exactly one of ack / nack must be called. */
export interface Delivery {
  message: WireMessage;
  exchange: string;
  routingKey: string;
  /** True when the broker delivered this message before and it was not acknowledged. */
  redelivered: boolean;
  ack(): Promise<void>;
  /** Give the message back to the queue (counts as a delivery towards the delivery limit). */
  nack(): Promise<void>;
}

export interface ConsumeOptions {
  prefetch: number;
}

export interface Subscription {
  /** Stop receiving new messages; in-flight deliveries can still be acked. */
  cancel(): Promise<void>;
}

/** A message held in a parking queue (`.error` or `.dlq`), as operators see it. */
export interface ParkedMessage {
  /** Transport-specific handle used to replay or purge this exact message. */
  handle: string;
  message: WireMessage;
}

export type TransportEvent = 'connected' | 'disconnected';

export interface Transport {
  readonly kind: 'amqp' | 'postgres';
  /**
   * Publishes started one after another without waiting for each other reach the broker in that
   * order (one confirm channel): the outbox relay then pipelines an aggregate's messages and
   * awaits their confirms together.
   */
  readonly ordersPipelinedPublishes: boolean;
  connect(): Promise<void>;
  /** Close channels and connections; pending confirms are awaited first. */
  close(): Promise<void>;
  /** Throws when the broker cannot be reached (readiness). */
  ping(): Promise<void>;
  on(event: TransportEvent, listener: () => void): void;

  /** Declare exchanges, queues (with their `.retry.*`, `.error`, `.dlq` companions) and bindings; idempotent. */
  declare(topology: Topology): Promise<void>;

  /** Publish to an exchange; resolves once the broker has confirmed it (durably stored). */
  publish(exchange: string, routingKey: string, message: WireMessage): Promise<void>;
  /** Put a message straight onto one queue (retry, parking lot, replay). Confirmed like publish. */
  sendToQueue(queue: string, message: WireMessage): Promise<void>;
  /** Deliver `message` to `queue` again after the retry tier `delayMs` (one of the queue's tiers). */
  delay(queue: string, delayMs: number, message: WireMessage): Promise<void>;

  consume(queue: string, options: ConsumeOptions, onMessage: (delivery: Delivery) => Promise<void>): Promise<Subscription>;

  /** Parking-lot operations (`<queue>.error`, `<queue>.dlq`): browse without removing, remove. */
  browse(queue: string, limit: number): Promise<ParkedMessage[]>;
  /**
   * Remove messages from a parking queue and return them (all, or those whose messageId is in
   * `messageIds`), so the caller can replay them. A message is removed only after `onEach`
   * resolves for it, so nothing is lost if replay fails half-way.
   */
  drain(queue: string, filter: { messageIds?: string[]; limit?: number }, onEach: (message: WireMessage) => Promise<void>): Promise<number>;
  /** Count of ready messages in a queue. */
  depth(queue: string): Promise<number>;
  /**
   * Every consumer queue (`<consumer>.<purpose>`, without companions) any service has declared on
   * this broker, sorted: what operators look through for parked and dead-lettered messages.
   */
  queues(): Promise<string[]>;

  /** Request/reply: send to an exchange and wait for the reply correlated by message id. */
  request(exchange: string, routingKey: string, message: WireMessage, timeoutMs: number): Promise<WireMessage>;
  /** Send a reply to the address in the request's `replyTo`. */
  reply(replyTo: string, message: WireMessage): Promise<void>;
}

export function tierName(delayMs: number): string {
  if (delayMs % 3_600_000 === 0) return `${delayMs / 3_600_000}h`;
  if (delayMs % 60_000 === 0) return `${delayMs / 60_000}m`;
  if (delayMs % 1000 === 0) return `${delayMs / 1000}s`;
  return `${delayMs}ms`;
}

export const queueNames = {
  retry: (queue: string, delayMs: number) => `${queue}.retry.${tierName(delayMs)}`,
  error: (queue: string) => `${queue}.error`,
  dlq: (queue: string) => `${queue}.dlq`,
};
