import { EventEmitter } from 'node:events';
import * as amqp from 'amqplib';
import { v4 as uuidv4 } from 'uuid';
import type { WireMessage } from '../../envelope';
import type { ConsumeOptions, Delivery, ParkedMessage, Subscription, Topology, Transport, TransportEvent } from '../../transport';
import { queueNames } from '../../transport';
import { queueArguments } from './definitions';
import { MessagingConfigurationError, RequestTimeoutError } from '../../errors';

export interface AmqpTransportOptions {
  url: string;
  /** Shown in the broker's connection list. */
  connectionName?: string;
  /** First and longest wait between reconnection attempts. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** How long `publish` waits for a publisher confirm. */
  confirmTimeoutMs?: number;
  logger?: { info(msg: string, meta?: object): void; warn(msg: string, meta?: object): void; error(msg: string, meta?: object): void };
}

interface ConsumerState {
  queue: string;
  options: ConsumeOptions;
  onMessage: (delivery: Delivery) => Promise<void>;
  channel?: amqp.Channel;
  consumerTag?: string;
  cancelled: boolean;
}

const REPLY_QUEUE = 'amq.rabbitmq.reply-to';
/**
 * AMQP 0-9-1 cannot list queues (only the management plugin can, and it may be absent), so every
 * transport that declares consumer queues also writes their names into this classic queue, which
 * nobody consumes: reading it is a `get` of each message, put back when the channel closes.
 * Classic, not quorum, so those reads count towards no delivery limit.
 */
export const QUEUE_DIRECTORY = 'leap.queue-directory';

/**
 * RabbitMQ through amqplib: quorum queues, retry tiers as fixed-TTL queues dead-lettered back
 * to their queue, parking queues, publisher confirms, direct reply-to for request/reply, and
 * reconnection that re-declares the topology and resumes every consumer.
 */
export class AmqpTransport implements Transport {
  readonly kind = 'amqp' as const;
  readonly ordersPipelinedPublishes = true;
  private connection?: amqp.ChannelModel;
  private publishChannel?: amqp.ConfirmChannel;
  private replyChannel?: amqp.Channel;
  private readonly pendingReplies = new Map<string, { resolve: (m: WireMessage) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly consumers = new Set<ConsumerState>();
  private readonly declared: Topology[] = [];
  private readonly events = new EventEmitter();
  private closing = false;
  private connecting?: Promise<void>;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly opts: Required<Omit<AmqpTransportOptions, 'logger'>> & Pick<AmqpTransportOptions, 'logger'>;

  constructor(options: AmqpTransportOptions) {
    this.opts = {
      connectionName: 'leap',
      reconnectMinMs: 200,
      reconnectMaxMs: 5000,
      confirmTimeoutMs: 10_000,
      ...options,
    };
  }

  on(event: TransportEvent, listener: () => void): void {
    this.events.on(event, listener);
  }

  get connected(): boolean {
    return this.publishChannel !== undefined;
  }

  async connect(): Promise<void> {
    this.closing = false;
    if (this.connected) return;
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    // amqplib turns Nagle's algorithm on unless told otherwise; small messages would then wait for
    // the peer's delayed ACK (tens of milliseconds per hand-off).
    const connection = await amqp.connect(this.opts.url, { noDelay: true, clientProperties: { connection_name: this.opts.connectionName } });
    connection.on('error', (err: Error) => this.opts.logger?.warn('AMQP connection error', { error: err.message }));
    connection.on('close', () => this.onConnectionLost(connection));
    try {
      const publishChannel = await connection.createConfirmChannel();
      publishChannel.on('error', (err: Error) => this.opts.logger?.warn('AMQP publish channel error', { error: err.message }));
      publishChannel.on('close', () => {
        if (this.publishChannel === publishChannel) this.publishChannel = undefined;
        if (!this.closing && this.connection === connection) connection.close().catch(() => undefined);
      });
      const replyChannel = await connection.createChannel();
      replyChannel.on('error', () => undefined);
      await replyChannel.consume(REPLY_QUEUE, (msg) => msg && this.onReply(msg), { noAck: true });
      this.connection = connection;
      this.publishChannel = publishChannel;
      this.replyChannel = replyChannel;
      for (const topology of this.declared) await this.declareOn(connection, topology);
      for (const consumer of this.consumers) if (!consumer.cancelled) await this.startConsumer(consumer);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    this.opts.logger?.info('AMQP connected', { connection: this.opts.connectionName });
    this.events.emit('connected');
  }

  private onConnectionLost(connection: amqp.ChannelModel): void {
    if (this.connection !== connection) return;
    this.connection = undefined;
    this.publishChannel = undefined;
    this.replyChannel = undefined;
    for (const consumer of this.consumers) consumer.channel = undefined;
    for (const [id, pending] of this.pendingReplies) {
      clearTimeout(pending.timer);
      pending.reject(new Error('AMQP connection lost while waiting for a reply'));
      this.pendingReplies.delete(id);
    }
    this.events.emit('disconnected');
    if (!this.closing) this.scheduleReconnect(this.opts.reconnectMinMs);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.reconnectTimer || this.closing) return;
    this.opts.logger?.warn('AMQP disconnected, reconnecting', { inMs: delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch((err: Error) => {
        this.opts.logger?.warn('AMQP reconnect failed', { error: err.message });
        this.scheduleReconnect(Math.min(delayMs * 2, this.opts.reconnectMaxMs));
      });
    }, delayMs);
    this.reconnectTimer.unref?.();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const consumer of this.consumers) consumer.cancelled = true;
    const connection = this.connection;
    this.connection = undefined;
    if (this.publishChannel) await this.publishChannel.waitForConfirms().catch(() => undefined);
    this.publishChannel = undefined;
    this.replyChannel = undefined;
    if (connection) await connection.close().catch(() => undefined);
  }

  async ping(): Promise<void> {
    if (!this.connected) throw new Error('RabbitMQ is not connected');
  }

  async declare(topology: Topology): Promise<void> {
    this.declared.push(topology);
    if (this.connection) await this.declareOn(this.connection, topology);
  }

  private async declareOn(connection: amqp.ChannelModel, topology: Topology): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      for (const exchange of topology.exchanges) {
        await channel.assertExchange(exchange.name, exchange.type, { durable: true });
      }
      for (const queue of topology.queues) {
        for (const q of queueArguments(queue)) await channel.assertQueue(q.name, { durable: true, arguments: q.arguments });
        for (const binding of queue.bindings) await channel.bindQueue(queue.name, binding.exchange, binding.routingKey);
      }
      await this.register(connection, topology.queues.map((q) => q.name));
    } catch (error) {
      const message = (error as Error).message;
      if (message.includes('PRECONDITION_FAILED')) {
        throw new MessagingConfigurationError(
          `RabbitMQ refused the topology (${message}). A queue or exchange exists with other arguments; ` +
            'delete it or migrate it (see docs/messaging.md, "Changing a queue").',
        );
      }
      throw error;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private confirmed(channel: amqp.ConfirmChannel, send: (cb: (err: unknown) => void) => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('RabbitMQ did not confirm the message in time')), this.opts.confirmTimeoutMs);
      try {
        send((err) => {
          clearTimeout(timer);
          if (err) reject(err instanceof Error ? err : new Error('RabbitMQ rejected the message (nack)'));
          else resolve();
        });
      } catch (error) {
        clearTimeout(timer);
        reject(error);
      }
    });
  }

  private requireChannel(): amqp.ConfirmChannel {
    if (!this.publishChannel) throw new Error('RabbitMQ is not connected');
    return this.publishChannel;
  }

  async publish(exchange: string, routingKey: string, message: WireMessage): Promise<void> {
    const channel = this.requireChannel();
    await this.confirmed(channel, (cb) => channel.publish(exchange, routingKey, message.body, toProperties(message), cb));
  }

  async sendToQueue(queue: string, message: WireMessage): Promise<void> {
    const channel = this.requireChannel();
    await this.confirmed(channel, (cb) => channel.sendToQueue(queue, message.body, toProperties(message), cb));
  }

  async delay(queue: string, delayMs: number, message: WireMessage): Promise<void> {
    await this.sendToQueue(queueNames.retry(queue, delayMs), message);
  }

  async consume(queue: string, options: ConsumeOptions, onMessage: (delivery: Delivery) => Promise<void>): Promise<Subscription> {
    const state: ConsumerState = { queue, options, onMessage, cancelled: false };
    this.consumers.add(state);
    if (this.connection) await this.startConsumer(state);
    return {
      cancel: async () => {
        state.cancelled = true;
        this.consumers.delete(state);
        if (state.channel && state.consumerTag) await state.channel.cancel(state.consumerTag).catch(() => undefined);
      },
    };
  }

  private async startConsumer(state: ConsumerState): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    const channel = await connection.createChannel();
    channel.on('error', (err: Error) => this.opts.logger?.warn('AMQP consumer channel error', { queue: state.queue, error: err.message }));
    await channel.prefetch(state.options.prefetch);
    state.channel = channel;
    const { consumerTag } = await channel.consume(state.queue, (msg) => {
      if (!msg) return; // cancelled by the broker (queue deleted); reconnection re-declares
      let settled = false;
      const delivery: Delivery = {
        message: fromAmqp(msg),
        exchange: msg.fields.exchange,
        routingKey: msg.fields.routingKey,
        redelivered: msg.fields.redelivered,
        ack: async () => {
          if (settled) return;
          settled = true;
          channel.ack(msg);
        },
        nack: async () => {
          if (settled) return;
          settled = true;
          channel.nack(msg, false, true);
        },
      };
      void state.onMessage(delivery).catch((err: Error) => {
        this.opts.logger?.error('Unhandled consumer failure; message returned to the queue', { queue: state.queue, error: err.message });
        void delivery.nack().catch(() => undefined);
      });
    });
    state.consumerTag = consumerTag;
  }

  async browse(queue: string, limit: number): Promise<ParkedMessage[]> {
    const channel = await this.scratchChannel();
    const out: ParkedMessage[] = [];
    try {
      for (let i = 0; i < limit; i++) {
        const msg = await channel.get(queue, { noAck: false });
        if (!msg) break;
        const message = fromAmqp(msg);
        out.push({ handle: message.messageId, message });
      }
    } finally {
      await channel.close().catch(() => undefined); // unacked messages go back to the queue
    }
    // The broker puts them back asynchronously (a quorum queue through its log): wait, briefly,
    // until they count again, so a replay or purge right after a look finds them.
    if (out.length > 0) await this.untilDepthAtLeast(queue, out.length, 2_000);
    return out;
  }

  private async untilDepthAtLeast(queue: string, count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((await this.depth(queue)) < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  async drain(queue: string, filter: { messageIds?: string[]; limit?: number }, onEach: (message: WireMessage) => Promise<void>): Promise<number> {
    const channel = await this.scratchChannel();
    const wanted = filter.messageIds ? new Set(filter.messageIds) : undefined;
    const limit = filter.limit ?? Number.MAX_SAFE_INTEGER;
    let taken = 0;
    try {
      const { messageCount } = await channel.checkQueue(queue);
      for (let seen = 0; seen < messageCount && taken < limit; seen++) {
        const msg = await channel.get(queue, { noAck: false });
        if (!msg) break;
        const message = fromAmqp(msg);
        if (wanted && !wanted.has(message.messageId)) continue; // stays unacked, returns on close
        await onEach(message);
        channel.ack(msg);
        taken++;
      }
    } finally {
      await channel.close().catch(() => undefined);
    }
    return taken;
  }

  async depth(queue: string): Promise<number> {
    const channel = await this.scratchChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async queues(): Promise<string[]> {
    if (!this.connection) throw new Error('RabbitMQ is not connected');
    return [...(await this.readDirectory(this.connection))].sort();
  }

  /** Adds the queue names the directory does not list yet (one message per declaration that adds any). */
  private async register(connection: amqp.ChannelModel, names: string[]): Promise<void> {
    if (names.length === 0) return;
    const known = await this.readDirectory(connection);
    const missing = names.filter((name) => !known.has(name));
    if (missing.length === 0) return;
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    try {
      const body = Buffer.from(JSON.stringify({ queues: missing }));
      await this.confirmed(channel, (cb) => channel.sendToQueue(QUEUE_DIRECTORY, body, { persistent: true, contentType: 'application/json' }, cb));
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * The names in the directory. Two readers at the same moment may each miss what the other holds
   * unacknowledged: a declaration then writes a name twice (harmless, names are merged), and a
   * listing may miss a queue until it is asked again.
   */
  private async readDirectory(connection: amqp.ChannelModel): Promise<Set<string>> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    const names = new Set<string>();
    try {
      const { messageCount } = await channel.assertQueue(QUEUE_DIRECTORY, { durable: true });
      for (let i = 0; i < messageCount; i++) {
        const msg = await channel.get(QUEUE_DIRECTORY, { noAck: false });
        if (!msg) break;
        try {
          const entry = JSON.parse(msg.content.toString('utf8')) as { queues?: unknown };
          if (Array.isArray(entry.queues)) for (const name of entry.queues) if (typeof name === 'string') names.add(name);
        } catch {
          // not an entry of ours: ignored
        }
      }
    } finally {
      await channel.close().catch(() => undefined); // every message goes back
    }
    return names;
  }

  private async scratchChannel(): Promise<amqp.Channel> {
    if (!this.connection) throw new Error('RabbitMQ is not connected');
    const channel = await this.connection.createChannel();
    channel.on('error', () => undefined);
    return channel;
  }

  async request(exchange: string, routingKey: string, message: WireMessage, timeoutMs: number): Promise<WireMessage> {
    const channel = this.replyChannel;
    if (!channel) throw new Error('RabbitMQ is not connected');
    const correlationId = message.messageId || uuidv4();
    return new Promise<WireMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingReplies.delete(correlationId);
        reject(new RequestTimeoutError(message.type, timeoutMs));
      }, timeoutMs);
      this.pendingReplies.set(correlationId, { resolve, reject, timer });
      // Direct reply-to requires publishing on the channel that consumes the pseudo-queue.
      channel.publish(exchange, routingKey, message.body, { ...toProperties(message), replyTo: REPLY_QUEUE, correlationId });
    });
  }

  private onReply(msg: amqp.ConsumeMessage): void {
    const id = msg.properties.correlationId as string | undefined;
    const pending = id ? this.pendingReplies.get(id) : undefined;
    if (!pending || !id) return;
    clearTimeout(pending.timer);
    this.pendingReplies.delete(id);
    pending.resolve(fromAmqp(msg));
  }

  async reply(replyTo: string, message: WireMessage): Promise<void> {
    const channel = this.requireChannel();
    await this.confirmed(channel, (cb) => channel.publish('', replyTo, message.body, toProperties(message), cb));
  }
}

function toProperties(message: WireMessage): amqp.Options.Publish {
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(message.headers)) if (v !== undefined && v !== null) headers[k] = v;
  return {
    persistent: true,
    messageId: message.messageId,
    type: message.type,
    contentType: message.contentType,
    timestamp: Math.floor(message.timestamp / 1000),
    correlationId: message.correlationId,
    replyTo: message.replyTo,
    headers,
  };
}

function fromAmqp(msg: amqp.Message): WireMessage {
  const p = msg.properties;
  const headers: WireMessage['headers'] = {};
  for (const [k, v] of Object.entries(p.headers ?? {})) {
    if (k === 'x-death' || k.startsWith('x-first-death') || k.startsWith('x-last-death') || k === 'x-delivery-count') continue;
    headers[k] = typeof v === 'object' && v !== null ? String(v) : (v as string | number | boolean);
  }
  return {
    messageId: (p.messageId as string) ?? '',
    type: (p.type as string) ?? '',
    contentType: (p.contentType as string) ?? 'application/json',
    timestamp: typeof p.timestamp === 'number' ? p.timestamp * 1000 : Date.now(),
    correlationId: p.correlationId as string | undefined,
    replyTo: p.replyTo as string | undefined,
    headers,
    body: msg.content,
  };
}
