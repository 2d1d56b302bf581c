import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DataSource, EntityManager } from 'typeorm';
import { exchangeFor, type MessageCatalog, type MessageDefinition } from './catalog';
import { fromWire, HEADER, MalformedEnvelopeError, newMessageId, toWire, type DeliveryInfo, type Envelope, type WireMessage } from './envelope';
import {
  errorCode,
  InvalidMessageError,
  isRetryable,
  LeapError,
  MessagingConfigurationError,
  UnknownMessageTypeError,
} from './errors';
import { KeyedExecutor } from './keyed-executor';
import { silentLogger, type MessagingLogger } from './logger';
import { OutboxRelay, OutboxWriter, type OutboxEntry } from './outbox/outbox';
import { parkedFailure, type ParkedFailure } from './parking';
import { queueNames, type Delivery, type ExchangeSpec, type QueueSpec, type Subscription, type Topology, type Transport } from './transport';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tracer = trace.getTracer('@leap/messaging');

/** A queue this service consumes and the message types routed to it. */
export interface ConsumerSpec {
  /** `<consumer>.<purpose>`, e.g. `media.trim`. */
  queue: string;
  types: string[];
  /** Deliveries in flight at once; low for long media jobs. */
  prefetch?: number;
}

export interface HandlerSpec<T = any> {
  queue: string;
  type: string;
  /** Commands and events: the effect. Queries: the reply payload. */
  handle(ctx: MessageContext<T>): Promise<unknown>;
  /** Name used in logs and fault headers. */
  name?: string;
  /**
   * Runs right after the message is parked because `handle` kept failing (its retries ran out,
   * or it threw an error that is not retryable); never for malformed, unknown or invalid
   * messages. It runs in a transaction of its own, with the message's context, so what it
   * publishes goes through the outbox: the place to tell the rest of the platform that the work
   * will not happen. It runs at most once per message id; if it fails, the failure is logged and
   * the message stays parked.
   */
  onParked?(ctx: MessageContext<T>, failure: ParkedFailure): Promise<unknown>;
}

export interface PublishOptions {
  /** The aggregate the message is about (ordering key, CloudEvents subject). */
  subject?: string;
  tenant?: string;
  /** The message that caused this one: its correlation, tenant and trace are carried on. */
  causation?: Envelope;
  correlationId?: string;
}

/** Fields a log line or span should carry while a message is handled. */
export type ContextRunner = <T>(fields: Record<string, string | undefined>, fn: () => Promise<T>) => Promise<T>;

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

/** What a handler gets: the message, its delivery, the transaction, and a way to emit more. */
export class MessageContext<T = unknown> {
  readonly outgoing: OutboxEntry[] = [];
  constructor(
    readonly envelope: Envelope<T>,
    readonly delivery: DeliveryInfo,
    /** The transaction the inbox record and the handler's effect commit in. */
    readonly manager: EntityManager,
    private readonly bus: MessageBus,
  ) {}

  get data(): T {
    return this.envelope.data;
  }

  /** Publish an event (or send a command) in this handler's transaction, caused by this message. */
  async publish(type: string, data: unknown, options: Omit<PublishOptions, 'causation'> = {}): Promise<void> {
    await this.bus.publish(this.manager, type, data, { ...options, causation: this.envelope });
  }

  send(type: string, data: unknown, options: Omit<PublishOptions, 'causation'> = {}): Promise<void> {
    return this.publish(type, data, options);
  }
}

interface ParkInput {
  queue: string;
  message: WireMessage;
  error: unknown;
  consumer: string;
  exchange: string;
  routingKey: string;
  retryCount: number;
}

/**
 * The messaging facade each service uses: publish through the transactional outbox, send
 * commands, request/reply, and decorated handlers with inbox dedupe, immediate retries, delayed
 * retry tiers, a parking lot and replay. Works the same over RabbitMQ and over PostgreSQL.
 */
export class MessageBus {
  private readonly consumers = new Map<string, ConsumerSpec>();
  private readonly handlers = new Map<string, HandlerSpec>();
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly executors = new Map<string, KeyedExecutor>();
  private readonly writer: OutboxWriter;
  private readonly relay: OutboxRelay;
  private readonly logger: MessagingLogger;
  private readonly immediateRetries: number;
  private readonly retryTiersMs: number[];
  private readonly deliveryLimit: number;
  private readonly prefetch: number;
  private readonly requestTimeoutMs: number;
  private readonly runInContext: ContextRunner;
  private started = false;
  private stopping = false;

  constructor(private readonly options: MessageBusOptions) {
    this.logger = options.logger ?? silentLogger;
    this.immediateRetries = options.immediateRetries ?? 2;
    this.retryTiersMs = options.retryTiersMs ?? [10_000, 60_000, 600_000];
    this.deliveryLimit = options.deliveryLimit ?? 5;
    this.prefetch = options.prefetch ?? 16;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.runInContext = options.runInContext ?? ((_fields, fn) => fn());
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

  registerHandler(spec: HandlerSpec): void {
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
        this.track(this.onDelivery(consumer, delivery)),
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
  async publish(manager: EntityManager, type: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    await this.writer.add(manager, [this.entry(type, data, options)]);
  }

  /** Send a command (through the outbox, like publish). */
  async send(manager: EntityManager, type: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    const def = this.definition(type);
    if (def.kind !== 'command') throw new MessagingConfigurationError(`${type} is a ${def.kind}, not a command`);
    await this.publish(manager, type, data, options);
  }

  /**
   * Publish straight to the broker, outside any transaction: only for messages whose loss is
   * acceptable (progress ticks). Everything that changes state goes through `publish`.
   */
  async publishNow(type: string, data: unknown, options: PublishOptions = {}): Promise<void> {
    const e = this.entry(type, data, options);
    await this.options.transport.publish(e.exchange, e.routingKey, e.message);
  }

  /** Request/reply for the few synchronous queries. Resolves with the validated reply payload. */
  async request<R = unknown>(type: string, data: unknown, options: PublishOptions & { timeoutMs?: number } = {}): Promise<R> {
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
    return replyEnvelope.data as R;
  }

  // ---------------------------------------------------------------- consuming

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private executor(queue: string): KeyedExecutor {
    let executor = this.executors.get(queue);
    if (!executor) {
      executor = new KeyedExecutor();
      this.executors.set(queue, executor);
    }
    return executor;
  }

  private async onDelivery(consumer: ConsumerSpec, delivery: Delivery): Promise<void> {
    const wire = delivery.message;
    const retryCount = Number(wire.headers[HEADER.retryCount] ?? 0) || 0;
    const base = { queue: consumer.queue, message: wire, exchange: delivery.exchange, routingKey: delivery.routingKey, retryCount };
    let envelope: Envelope;
    try {
      envelope = fromWire(wire);
      if (!UUID.test(envelope.id)) throw new MalformedEnvelopeError(`message id "${envelope.id}" is not a UUID`);
    } catch (error) {
      const fault = new LeapError('MESSAGING.MALFORMED_ENVELOPE', (error as Error).message);
      return this.settle(delivery, () => this.park({ ...base, error: fault, consumer: consumer.queue }));
    }
    const key = envelope.subject ?? envelope.id;
    await this.executor(consumer.queue).run(key, () =>
      this.runInContext(
        { messageId: envelope.id, correlationId: envelope.correlationid, userId: envelope.tenant, messageType: envelope.type },
        () => this.process(consumer, delivery, envelope, retryCount),
      ),
    );
  }

  /** Run a terminal action (retry scheduling, parking) and ack; if it fails, give the message back. */
  private async settle(delivery: Delivery, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.logger.warn('Could not move a failed message; returning it to its queue', { error: (error as Error).message });
      await delivery.nack().catch(() => undefined);
      return;
    }
    await delivery.ack().catch(() => undefined);
  }

  private async process(consumer: ConsumerSpec, delivery: Delivery, envelope: Envelope, retryCount: number): Promise<void> {
    const wire = delivery.message;
    const base = { queue: consumer.queue, message: wire, exchange: delivery.exchange, routingKey: delivery.routingKey, retryCount };
    const handler = this.handlers.get(`${consumer.queue}|${envelope.type}`);
    const def = this.options.catalog.get(envelope.type);
    if (!def || !handler) {
      return this.settle(delivery, () => this.park({ ...base, error: new UnknownMessageTypeError(envelope.type), consumer: consumer.queue }));
    }
    const consumerName = handler.name ?? consumer.queue;
    const problems = def.validate(envelope.data);
    if (problems.length > 0) {
      return this.settle(delivery, () => this.park({ ...base, error: new InvalidMessageError(envelope.type, problems), consumer: consumerName }));
    }
    const info = { queue: consumer.queue, retryCount, redelivered: delivery.redelivered, exchange: delivery.exchange, routingKey: delivery.routingKey };
    const parent = propagation.extract(otelContext.active(), { traceparent: envelope.traceparent });
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.immediateRetries; attempt++) {
      try {
        const result = await tracer.startActiveSpan(
          `${consumer.queue} process`,
          { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'rabbitmq', 'messaging.message.id': envelope.id, 'messaging.destination.name': consumer.queue } },
          parent,
          async (span) => {
            try {
              return await this.invoke(def, handler, envelope, info);
            } catch (error) {
              span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
              throw error;
            } finally {
              span.end();
            }
          },
        );
        if (def.kind === 'query' && wire.replyTo) await this.sendReply(wire, envelope, def, result);
        await delivery.ack().catch(() => undefined);
        return;
      } catch (error) {
        lastError = error;
        this.logger.warn('Message handler failed', {
          type: envelope.type,
          queue: consumer.queue,
          attempt: attempt + 1,
          retryCount,
          code: errorCode(error),
          error: (error as Error).message,
        });
        if (!isRetryable(error)) break;
      }
    }
    if (def.kind === 'query' && wire.replyTo) {
      // The caller is waiting: answer with the fault now; it decides whether to try again.
      return this.settle(delivery, () => this.sendErrorReply(wire, lastError));
    }
    if (isRetryable(lastError) && retryCount < this.retryTiersMs.length) {
      const delayMs = this.retryTiersMs[retryCount]!;
      const next: WireMessage = {
        ...wire,
        headers: {
          ...wire.headers,
          [HEADER.retryCount]: retryCount + 1,
          [HEADER.originalExchange]: wire.headers[HEADER.originalExchange] ?? delivery.exchange,
          [HEADER.originalRoutingKey]: wire.headers[HEADER.originalRoutingKey] ?? delivery.routingKey,
        },
      };
      return this.settle(delivery, () => this.options.transport.delay(consumer.queue, delayMs, next));
    }
    return this.settle(delivery, async () => {
      await this.park({ ...base, error: lastError, consumer: consumerName });
      await this.afterParked(handler, envelope, info, parkedFailure(lastError, retryCount));
    });
  }

  /**
   * Runs the handler's `onParked` hook in its own transaction. Never throws: the message is
   * parked already, and a failing hook must neither lose it nor send it round again. The inbox
   * (under the parking lot's name) makes a redelivery of the same message skip the hook.
   */
  private async afterParked(handler: HandlerSpec, envelope: Envelope, info: DeliveryInfo, failure: ParkedFailure): Promise<void> {
    const hook = handler.onParked;
    if (!hook) return;
    const meta = { messageId: envelope.id, type: envelope.type, queue: info.queue, handler: handler.name };
    try {
      await this.options.dataSource.transaction(async (manager) => {
        if (!(await this.claim(manager, envelope, queueNames.error(info.queue)))) {
          this.logger.info('Parked-message hook already ran for this message', meta);
          return;
        }
        await hook.call(handler, new MessageContext(envelope, info, manager, this), failure);
      });
    } catch (error) {
      this.logger.error('Parked-message hook failed; the message stays parked', {
        ...meta,
        code: errorCode(error),
        error: (error as Error)?.message ?? String(error),
      });
    }
  }

  /** Records the message in the inbox under `consumer`; false when it was there already. */
  private async claim(manager: EntityManager, envelope: Envelope, consumer: string): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO "${this.options.schema}".inbox (message_id, consumer, message_type) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING message_id`,
      [envelope.id, consumer, envelope.type],
    );
    return inserted.length > 0;
  }

  private async invoke(def: MessageDefinition, handler: HandlerSpec, envelope: Envelope, info: DeliveryInfo): Promise<unknown> {
    return this.options.dataSource.transaction(async (manager) => {
      if (def.kind !== 'query' && !(await this.claim(manager, envelope, info.queue))) {
        this.logger.info('Duplicate message ignored', { messageId: envelope.id, type: envelope.type, queue: info.queue });
        return undefined;
      }
      const ctx = new MessageContext(envelope, info, manager, this);
      return handler.handle(ctx);
    });
  }

  private async sendReply(request: WireMessage, envelope: Envelope, def: MessageDefinition, result: unknown): Promise<void> {
    if (!def.replyType) throw new MessagingConfigurationError(`${def.type} declares no reply type`);
    const reply = this.envelope(def.replyType, result ?? {}, { causation: envelope, subject: envelope.subject });
    await this.options.transport.reply(request.replyTo!, { ...toWire(reply), correlationId: request.messageId });
  }

  private async sendErrorReply(request: WireMessage, error: unknown): Promise<void> {
    const e = error instanceof LeapError ? error : undefined;
    await this.options.transport.reply(request.replyTo!, {
      messageId: newMessageId(),
      type: 'error',
      contentType: 'application/json',
      timestamp: Date.now(),
      correlationId: request.messageId,
      headers: {
        'x-error-code': e?.code ?? 'INTERNAL',
        'x-error-message': (error as Error)?.message ?? 'The request failed',
        'x-error-retryable': String(isRetryable(error)),
        'x-error-status': e?.status ?? 500,
      },
      body: Buffer.from('{}'),
    });
  }

  private async park(input: ParkInput): Promise<void> {
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
    await this.options.transport.sendToQueue(queueNames.error(input.queue), { ...input.message, headers });
    this.logger.error('Message parked', {
      queue: input.queue,
      messageId: input.message.messageId,
      type: input.message.type,
      code: errorCode(error),
      error: error?.message,
    });
  }

  // ---------------------------------------------------------------- operations

  /** Messages waiting in a queue's parking lot (`error`) or dead-letter queue (`dlq`), with their fault headers. */
  async parked(queue: string, source: 'error' | 'dlq' = 'error', limit = 100): Promise<WireMessage[]> {
    const name = source === 'error' ? queueNames.error(queue) : queueNames.dlq(queue);
    return (await this.options.transport.browse(name, limit)).map((p) => p.message);
  }

  /**
   * Move parked messages back to their queue (fault headers and retry count cleared), one, some
   * or all. Only the consumer that failed sees them again, not every subscriber of the event.
   */
  async replay(queue: string, options: { source?: 'error' | 'dlq'; messageIds?: string[]; limit?: number } = {}): Promise<number> {
    const from = options.source === 'dlq' ? queueNames.dlq(queue) : queueNames.error(queue);
    return this.options.transport.drain(from, { messageIds: options.messageIds, limit: options.limit }, async (message) => {
      const headers: WireMessage['headers'] = {};
      for (const [k, v] of Object.entries(message.headers)) {
        if (!k.startsWith('x-fault-') && k !== HEADER.retryCount) headers[k] = v;
      }
      await this.options.transport.sendToQueue(queue, { ...message, headers });
    });
  }

  /** Drop parked messages for good. */
  async purge(queue: string, options: { source?: 'error' | 'dlq'; messageIds?: string[] } = {}): Promise<number> {
    const from = options.source === 'dlq' ? queueNames.dlq(queue) : queueNames.error(queue);
    return this.options.transport.drain(from, { messageIds: options.messageIds }, async () => undefined);
  }

  queues(): string[] {
    return [...this.consumers.keys()];
  }
}

/**
 * Every service's exchanges (so any message can be published before its owner has started) and
 * the given consumers' queues bound to the exchanges of the types they subscribe to.
 */
export function buildTopology(
  catalog: MessageCatalog,
  consumers: ConsumerSpec[],
  options: { deliveryLimit: number; retryTiersMs: number[] },
): Topology {
  const exchanges = new Map<string, ExchangeSpec>();
  for (const def of catalog.all()) {
    exchanges.set(`${def.service}.events`, { name: `${def.service}.events`, type: 'topic' });
    exchanges.set(`${def.service}.commands`, { name: `${def.service}.commands`, type: 'direct' });
  }
  const queues: QueueSpec[] = consumers.map((consumer) => ({
    name: consumer.queue,
    deliveryLimit: options.deliveryLimit,
    retryTiersMs: options.retryTiersMs,
    bindings: consumer.types.map((type) => {
      const def = catalog.get(type);
      if (!def) throw new UnknownMessageTypeError(type);
      return { exchange: exchangeFor(def), routingKey: type };
    }),
  }));
  return { exchanges: [...exchanges.values()], queues };
}
