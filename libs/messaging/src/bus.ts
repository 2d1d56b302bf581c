import { context as otelContext, propagation } from '@opentelemetry/api';
import type { DataSource, EntityManager } from 'typeorm';
import { LeapError } from '@leap/errors';
import { exchangeFor, type MessageCatalog, type MessageDefinition } from './catalog';
import { Dispatcher, type ContextRunner, type HandlerSpec } from './dispatch';
import { fromWire, newMessageId, toWire, type Envelope, type WireMessage } from './envelope';
import { InvalidMessageError, MessagingConfigurationError, UnknownMessageTypeError } from './errors';
import { silentLogger, type MessagingLogger } from './logger';
import type { PublishOptions } from './message-context';
import type { Messages, MessageTypeOf, Replies, ReplyPayload } from './message-map';
import { OutboxRelay, OutboxWriter, type OutboxEntry } from './outbox/outbox';
import { browseParked, purgeParked, replayParked } from './parking-lot';
import { buildTopology, type ConsumerSpec } from './topology';
import type { Subscription, Topology, Transport } from './transport';

export { buildTopology, type ConsumerSpec } from './topology';
export { MessageContext, type PublishOptions } from './message-context';
export type { ContextRunner, HandlerSpec } from './dispatch';

export interface MessageBusOptions {
  /** The service name, as in `services/<name>`; becomes the CloudEvents source `/leap/<name>`. */
  service: string;
  transport: Transport;
  catalog: MessageCatalog;
  dataSource: DataSource;
  /** The service's database schema, which holds its outbox and inbox. */
  schema: string;
  /** Connection string of the service's database (the outbox relay LISTENs on it). */
  databaseUrl: string;
  logger?: MessagingLogger;
  immediateRetries?: number;
  retryTiersMs?: number[];
  deliveryLimit?: number;
  prefetch?: number;
  requestTimeoutMs?: number;
  shutdownTimeoutMs?: number;
  outbox?: { pollIntervalMs?: number; maxAttempts?: number; batchSize?: number; enabled?: boolean };
  /** Runs each handler inside a logging/tracing context (see @leap/logging). */
  runInContext?: ContextRunner;
  /**
   * The correlation id of work started outside any message (an HTTP request's id): messages
   * published with no cause and no explicit correlation id carry it, so every event a request
   * causes can be traced back to it.
   */
  ambientCorrelationId?: () => string | undefined;
}

/**
 * The messaging facade each service uses: publish through the transactional outbox, send
 * commands, request/reply, and decorated handlers with inbox dedupe, immediate retries, delayed
 * retry tiers, a parking lot and replay. Works the same over RabbitMQ and over PostgreSQL.
 *
 * `M` maps each message type to its payload and `R` each query type to its reply type, so a
 * payload that does not match its type does not compile; they default to the registered
 * contracts (see message-map.ts).
 */
export class MessageBus<M extends object = Messages, R extends object = Replies> {
  private readonly consumers = new Map<string, ConsumerSpec>();
  private readonly handlers = new Map<string, HandlerSpec<any, M>>();
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly dispatcher: Dispatcher<M>;
  private readonly writer: OutboxWriter;
  private readonly relay: OutboxRelay;
  private readonly logger: MessagingLogger;
  private readonly retryTiersMs: number[];
  private readonly deliveryLimit: number;
  private readonly prefetch: number;
  private readonly requestTimeoutMs: number;
  private started = false;
  private stopping = false;

  constructor(private readonly options: MessageBusOptions) {
    this.logger = options.logger ?? silentLogger;
    this.retryTiersMs = options.retryTiersMs ?? [10_000, 60_000, 600_000];
    this.deliveryLimit = options.deliveryLimit ?? 5;
    this.prefetch = options.prefetch ?? 16;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.dispatcher = new Dispatcher<M>({
      bus: this,
      catalog: options.catalog,
      dataSource: options.dataSource,
      transport: options.transport,
      schema: options.schema,
      handlers: this.handlers,
      logger: this.logger,
      immediateRetries: options.immediateRetries ?? 2,
      retryTiersMs: this.retryTiersMs,
      runInContext: options.runInContext ?? ((_fields, fn) => fn()),
    });
    this.writer = new OutboxWriter(options.schema);
    this.relay = new OutboxRelay({
      url: options.databaseUrl,
      schema: options.schema,
      transport: options.transport,
      logger: this.logger,
      ...options.outbox,
    });
  }

  get service(): string {
    return this.options.service;
  }

  get transport(): Transport {
    return this.options.transport;
  }

  get outboxRelay(): OutboxRelay {
    return this.relay;
  }

  registerConsumer(spec: ConsumerSpec): void {
    if (this.started) throw new MessagingConfigurationError('Consumers must be registered before the bus starts');
    const existing = this.consumers.get(spec.queue);
    if (existing) {
      existing.types = [...new Set([...existing.types, ...spec.types])];
      existing.prefetch = spec.prefetch ?? existing.prefetch;
    } else {
      this.consumers.set(spec.queue, { ...spec, types: [...spec.types] });
    }
  }

  registerHandler(spec: HandlerSpec<any, M>): void {
    if (this.started) throw new MessagingConfigurationError('Handlers must be registered before the bus starts');
    const key = `${spec.queue}|${spec.type}`;
    const existing = this.handlers.get(key);
    if (existing) {
      throw new MessagingConfigurationError(
        `Two handlers for ${spec.type} on queue ${spec.queue}: ${existing.name ?? 'anonymous'} and ${spec.name ?? 'anonymous'}`,
      );
    }
    this.handlers.set(key, spec);
  }

  /** Every subscribed type has exactly one handler, every handler is subscribed, every type exists. */
  private validateWiring(): void {
    const problems: string[] = [];
    for (const consumer of this.consumers.values()) {
      for (const type of consumer.types) {
        if (!this.options.catalog.get(type)) problems.push(`queue ${consumer.queue} subscribes to ${type}, which no contract in proto/ defines`);
        if (!this.handlers.has(`${consumer.queue}|${type}`)) problems.push(`queue ${consumer.queue} subscribes to ${type} but no handler handles it`);
      }
    }
    for (const handler of this.handlers.values()) {
      const consumer = this.consumers.get(handler.queue);
      if (!consumer || !consumer.types.includes(handler.type)) {
        problems.push(`handler ${handler.name ?? ''} for ${handler.type} is on queue ${handler.queue}, which does not subscribe to it`);
      }
    }
    if (problems.length > 0) throw new MessagingConfigurationError(`Message handler wiring is wrong:\n  - ${problems.join('\n  - ')}`);
  }

  /** The exchanges and queues this service needs (exported as a definitions file for deployment). */
  topology(): Topology {
    return buildTopology(this.options.catalog, [...this.consumers.values()], { deliveryLimit: this.deliveryLimit, retryTiersMs: this.retryTiersMs });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.validateWiring();
    const { transport } = this.options;
    await transport.connect();
    await transport.declare(this.topology());
    this.started = true;
    this.stopping = false;
    if (this.options.outbox?.enabled !== false) await this.relay.start();
    for (const consumer of this.consumers.values()) {
      const subscription = await transport.consume(consumer.queue, { prefetch: consumer.prefetch ?? this.prefetch }, (delivery) =>
        this.track(this.dispatcher.onDelivery(consumer, delivery)),
      );
      this.subscriptions.push(subscription);
    }
    this.logger.info('Message bus started', {
      service: this.options.service,
      transport: transport.kind,
      queues: [...this.consumers.keys()],
    });
  }

  /** Stop consuming, finish in-flight messages, flush the outbox, close the transport. */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    await Promise.all(this.subscriptions.splice(0).map((s) => s.cancel().catch(() => undefined)));
    const timeout = this.options.shutdownTimeoutMs ?? 15_000;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, timeout).unref())]);
    await this.relay.flush().catch((error: Error) => this.logger.warn('Outbox flush at shutdown failed', { error: error.message }));
    await this.relay.stop();
    await this.options.transport.close();
    this.started = false;
    this.logger.info('Message bus stopped', { service: this.options.service });
  }

  /** Readiness: throws when the broker is unreachable. */
  async ping(): Promise<void> {
    await this.options.transport.ping();
  }

  // ---------------------------------------------------------------- producing

  private definition(type: string): MessageDefinition {
    const def = this.options.catalog.get(type);
    if (!def) throw new UnknownMessageTypeError(type);
    return def;
  }

  /** Build a validated envelope for `type`; throws InvalidMessageError for a payload that breaks its contract. */
  envelope<T>(type: string, data: T, options: PublishOptions = {}): Envelope<T> {
    const def = this.definition(type);
    const problems = def.validate(data);
    if (problems.length > 0) throw new InvalidMessageError(type, problems);
    const id = newMessageId();
    const cause = options.causation;
    const carrier: Record<string, string> = {};
    propagation.inject(otelContext.active(), carrier);
    return {
      id,
      specversion: '1.0',
      type,
      source: `/leap/${this.options.service}`,
      time: new Date().toISOString(),
      subject: options.subject,
      datacontenttype: 'application/json',
      dataschema: def.schema,
      traceparent: carrier.traceparent ?? cause?.traceparent,
      correlationid: options.correlationId ?? cause?.correlationid ?? this.options.ambientCorrelationId?.() ?? id,
      causationid: cause?.id,
      tenant: options.tenant ?? cause?.tenant,
      data,
    };
  }

  private entry(type: string, data: unknown, options: PublishOptions): OutboxEntry {
    const def = this.definition(type);
    const envelope = this.envelope(type, data, options);
    return {
      exchange: exchangeFor(def),
      routingKey: type,
      aggregateId: envelope.subject ?? envelope.id,
      message: toWire(envelope),
    };
  }

  /**
   * Record an event or command in the outbox inside the caller's transaction. It is published
   * after the transaction commits, and never if it rolls back.
   */
  async publish<K extends MessageTypeOf<M>>(manager: EntityManager, type: K, data: M[K], options: PublishOptions = {}): Promise<void> {
    await this.writer.add(manager, [this.entry(type, data, options)]);
  }

  /** Send a command (through the outbox, like publish). */
  async send<K extends MessageTypeOf<M>>(manager: EntityManager, type: K, data: M[K], options: PublishOptions = {}): Promise<void> {
    const def = this.definition(type);
    if (def.kind !== 'command') throw new MessagingConfigurationError(`${type} is a ${def.kind}, not a command`);
    await this.publish(manager, type, data, options);
  }

  /**
   * Publish straight to the broker, outside any transaction: only for messages whose loss is
   * acceptable (progress ticks). Everything that changes state goes through `publish`.
   */
  async publishNow<K extends MessageTypeOf<M>>(type: K, data: M[K], options: PublishOptions = {}): Promise<void> {
    const e = this.entry(type, data, options);
    await this.options.transport.publish(e.exchange, e.routingKey, e.message);
  }

  /** Request/reply for the few synchronous queries. Resolves with the validated reply payload. */
  async request<Q extends MessageTypeOf<M>>(
    type: Q,
    data: M[Q],
    options: PublishOptions & { timeoutMs?: number } = {},
  ): Promise<ReplyPayload<Q, M, R>> {
    const def = this.definition(type);
    if (def.kind !== 'query') throw new MessagingConfigurationError(`${type} is a ${def.kind}, not a query`);
    const envelope = this.envelope(type, data, options);
    const reply = await this.options.transport.request(exchangeFor(def), type, toWire(envelope), options.timeoutMs ?? this.requestTimeoutMs);
    const code = reply.headers['x-error-code'];
    if (code) {
      throw new LeapError(String(code), String(reply.headers['x-error-message'] ?? 'The request failed'), {
        retryable: reply.headers['x-error-retryable'] === true || reply.headers['x-error-retryable'] === 'true',
        status: Number(reply.headers['x-error-status'] ?? 500),
      });
    }
    const replyEnvelope = fromWire(reply);
    if (def.replyType) {
      const problems = this.definition(def.replyType).validate(replyEnvelope.data);
      if (problems.length > 0) throw new InvalidMessageError(def.replyType, problems);
    }
    return replyEnvelope.data as ReplyPayload<Q, M, R>;
  }

  // ---------------------------------------------------------------- consuming

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  // ---------------------------------------------------------------- operations

  /** Messages waiting in a queue's parking lot (`error`) or dead-letter queue (`dlq`), with their fault headers. */
  parked(queue: string, source: 'error' | 'dlq' = 'error', limit = 100): Promise<WireMessage[]> {
    return browseParked(this.options.transport, queue, source, limit);
  }

  /**
   * Move parked messages back to their queue (fault headers and retry count cleared), one, some
   * or all. Only the consumer that failed sees them again, not every subscriber of the event.
   */
  replay(queue: string, options: { source?: 'error' | 'dlq'; messageIds?: string[]; limit?: number } = {}): Promise<number> {
    return replayParked(this.options.transport, queue, options);
  }

  /** Drop parked messages for good. */
  purge(queue: string, options: { source?: 'error' | 'dlq'; messageIds?: string[] } = {}): Promise<number> {
    return purgeParked(this.options.transport, queue, options);
  }

  queues(): string[] {
    return [...this.consumers.keys()];
  }
}
