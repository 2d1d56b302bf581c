import { context as otelContext, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { DataSource } from 'typeorm';
import { errorCode, isRetryable, LeapError } from '@leap/errors';
import type { MessageBus } from './bus';
import type { MessageCatalog, MessageDefinition } from './catalog';
import { fromWire, HEADER, MalformedEnvelopeError, newMessageId, toWire, type DeliveryInfo, type Envelope, type WireMessage } from './envelope';
import { InvalidMessageError, MessagingConfigurationError, UnknownMessageTypeError } from './errors';
import { claimInbox } from './inbox';
import { KeyedExecutor } from './keyed-executor';
import type { MessagingLogger } from './logger';
import { MessageContext } from './message-context';
import type { Messages } from './message-map';
import { parkedFailure, type ParkedFailure } from './parking';
import { parkMessage } from './parking-lot';
import type { ConsumerSpec } from './topology';
import { queueNames, type Delivery, type Transport } from './transport';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tracer = trace.getTracer('@leap/messaging');

export interface HandlerSpec<T = any, M extends object = Messages> {
  queue: string;
  type: string;
  /** Commands and events: the effect. Queries: the reply payload. */
  handle(ctx: MessageContext<T, M>): Promise<unknown>;
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
  onParked?(ctx: MessageContext<T, M>, failure: ParkedFailure): Promise<unknown>;
}

/** Fields a log line or span should carry while a message is handled. */
export type ContextRunner = <T>(fields: Record<string, string | undefined>, fn: () => Promise<T>) => Promise<T>;

export interface DispatchOptions<M extends object> {
  bus: MessageBus<M, any>;
  catalog: MessageCatalog;
  dataSource: DataSource;
  transport: Transport;
  /** The service's schema, which holds its inbox. */
  schema: string;
  /** By `<queue>|<type>`. */
  handlers: Map<string, HandlerSpec<any, M>>;
  logger: MessagingLogger;
  immediateRetries: number;
  retryTiersMs: number[];
  runInContext: ContextRunner;
}

/**
 * The consuming half of the bus: each delivery is checked (envelope, type, payload), handled in
 * one transaction with its inbox record, retried at once and then through the retry tiers, or
 * parked (running the handler's `onParked` hook); a query is answered, with its reply or its
 * fault. Messages of one aggregate are handled one after another.
 */
export class Dispatcher<M extends object> {
  private readonly executors = new Map<string, KeyedExecutor>();

  constructor(private readonly options: DispatchOptions<M>) {}

  private executor(queue: string): KeyedExecutor {
    let executor = this.executors.get(queue);
    if (!executor) {
      executor = new KeyedExecutor();
      this.executors.set(queue, executor);
    }
    return executor;
  }

  /** Handles one delivery of `consumer`'s queue, from its envelope to its acknowledgement. */
  async onDelivery(consumer: ConsumerSpec, delivery: Delivery): Promise<void> {
    const wire = delivery.message;
    const retryCount = Number(wire.headers[HEADER.retryCount] ?? 0) || 0;
    const base = { queue: consumer.queue, message: wire, exchange: delivery.exchange, routingKey: delivery.routingKey, retryCount };
    let envelope: Envelope;
    try {
      envelope = fromWire(wire);
      if (!UUID.test(envelope.id)) throw new MalformedEnvelopeError(`message id "${envelope.id}" is not a UUID`);
    } catch (error) {
      const fault = new LeapError('MESSAGING.MALFORMED_ENVELOPE', (error as Error).message);
      return this.settle(delivery, () => parkMessage(this.options.transport, this.options.logger, { ...base, error: fault, consumer: consumer.queue }));
    }
    const key = envelope.subject ?? envelope.id;
    await this.executor(consumer.queue).run(key, () =>
      this.options.runInContext(
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
      this.options.logger.warn('Could not move a failed message; returning it to its queue', { error: (error as Error).message });
      await delivery.nack().catch(() => undefined);
      return;
    }
    await delivery.ack().catch(() => undefined);
  }

  private async process(consumer: ConsumerSpec, delivery: Delivery, envelope: Envelope, retryCount: number): Promise<void> {
    const wire = delivery.message;
    const base = { queue: consumer.queue, message: wire, exchange: delivery.exchange, routingKey: delivery.routingKey, retryCount };
    const handler = this.options.handlers.get(`${consumer.queue}|${envelope.type}`);
    const def = this.options.catalog.get(envelope.type);
    if (!def || !handler) {
      return this.settle(delivery, () => parkMessage(this.options.transport, this.options.logger, { ...base, error: new UnknownMessageTypeError(envelope.type), consumer: consumer.queue }));
    }
    const consumerName = handler.name ?? consumer.queue;
    const problems = def.validate(envelope.data);
    if (problems.length > 0) {
      return this.settle(delivery, () => parkMessage(this.options.transport, this.options.logger, { ...base, error: new InvalidMessageError(envelope.type, problems), consumer: consumerName }));
    }
    const info = { queue: consumer.queue, retryCount, redelivered: delivery.redelivered, exchange: delivery.exchange, routingKey: delivery.routingKey };
    const parent = propagation.extract(otelContext.active(), { traceparent: envelope.traceparent });
    let lastError: unknown;
    for (let attempt = 0; attempt <= this.options.immediateRetries; attempt++) {
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
        this.options.logger.warn('Message handler failed', {
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
    if (isRetryable(lastError) && retryCount < this.options.retryTiersMs.length) {
      const delayMs = this.options.retryTiersMs[retryCount]!;
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
      await parkMessage(this.options.transport, this.options.logger, { ...base, error: lastError, consumer: consumerName });
      await this.afterParked(handler, envelope, info, parkedFailure(lastError, retryCount));
    });
  }

  /**
   * Runs the handler's `onParked` hook in its own transaction. Never throws: the message is
   * parked already, and a failing hook must neither lose it nor send it round again. The inbox
   * (under the parking lot's name) makes a redelivery of the same message skip the hook.
   */
  private async afterParked(handler: HandlerSpec<any, M>, envelope: Envelope, info: DeliveryInfo, failure: ParkedFailure): Promise<void> {
    const hook = handler.onParked;
    if (!hook) return;
    const meta = { messageId: envelope.id, type: envelope.type, queue: info.queue, handler: handler.name };
    try {
      await this.options.dataSource.transaction(async (manager) => {
        if (!(await claimInbox(manager, this.options.schema, envelope, queueNames.error(info.queue)))) {
          this.options.logger.info('Parked-message hook already ran for this message', meta);
          return;
        }
        await hook.call(handler, new MessageContext(envelope, info, manager, this.options.bus), failure);
      });
    } catch (error) {
      this.options.logger.error('Parked-message hook failed; the message stays parked', {
        ...meta,
        code: errorCode(error),
        error: (error as Error)?.message ?? String(error),
      });
    }
  }

  private async invoke(def: MessageDefinition, handler: HandlerSpec<any, M>, envelope: Envelope, info: DeliveryInfo): Promise<unknown> {
    return this.options.dataSource.transaction(async (manager) => {
      if (def.kind !== 'query' && !(await claimInbox(manager, this.options.schema, envelope, info.queue))) {
        this.options.logger.info('Duplicate message ignored', { messageId: envelope.id, type: envelope.type, queue: info.queue });
        return undefined;
      }
      const ctx = new MessageContext(envelope, info, manager, this.options.bus);
      return handler.handle(ctx);
    });
  }

  private async sendReply(request: WireMessage, envelope: Envelope, def: MessageDefinition, result: unknown): Promise<void> {
    if (!def.replyType) throw new MessagingConfigurationError(`${def.type} declares no reply type`);
    const reply = this.options.bus.envelope(def.replyType, result ?? {}, { causation: envelope, subject: envelope.subject });
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
}
