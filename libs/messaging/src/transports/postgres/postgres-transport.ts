import type { Pool } from 'pg';
import { v4 as uuidv4 } from 'uuid';
import type { WireMessage } from '../../envelope';
import { silentLogger, type MessagingLogger } from '../../logger';
import type { ConsumeOptions, Delivery, ParkedMessage, Subscription, Topology, Transport, TransportEvent } from '../../transport';
import { PostgresConnection } from './connection';
import { Consumers } from './consumers';
import { ParkingLot } from './parking-lot';
import { Publisher } from './publisher';
import { RequestReply } from './request-reply';
import { assertSchemaName, channels, statements } from './sql';
import { TopologyStore } from './topology';

export interface PostgresTransportOptions {
  /** Where the transport's schema lives; the transport owns (and closes) a pool of its own. */
  connectionString?: string;
  /** Or a pool owned by the caller (not ended by `close()`); one of its clients is held for LISTEN. */
  pool?: Pool;
  /** Schema of the transport's tables. Default `bus`. */
  schema?: string;
  /** How long a claimed message stays invisible to other consumers; renewed while its handler runs. Default 30 s. */
  leaseMs?: number;
  /** Fallback poll (delayed messages coming due, expired leases, missed notifications). Default 1 s. */
  pollIntervalMs?: number;
  /** Names this process in `locked_by` and its reply queue. Default: a random UUID. */
  instanceId?: string;
  logger?: MessagingLogger;
  /** How long `close()` waits for in-flight deliveries to be settled before giving them back. Default 5 s. */
  closeTimeoutMs?: number;
  /** Size of the pool the transport creates from `connectionString`. Default 10. */
  poolSize?: number;
  /** First and longest wait between attempts to re-establish the LISTEN connection. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Replies nobody collected are deleted after this long. Default 1 h. */
  replyRetentionMs?: number;
}

/**
 * The broker as rows in PostgreSQL (embedded mode). Keeps RabbitMQ's topology semantics: topic
 * and direct exchanges, bindings, competing consumers with a prefetch bound, delayed delivery,
 * delivery-limit dead-lettering to `<queue>.dlq`, parking queues and request/reply.
 *
 * A queue is the set of rows with its name. Consumers claim rows in insertion order with
 * `FOR UPDATE SKIP LOCKED` under a lease (`locked_until`) that a heartbeat renews while the
 * handler runs; `ack` deletes the row, `nack` releases it. Publishing commits the rows and a
 * `NOTIFY` (payload = queue name) in one statement, so idle consumers wake at once; a fallback
 * poll picks up delayed rows that came due, leases that expired and anything a lost LISTEN
 * connection missed. Nothing lives only in memory: a crash loses no message.
 *
 * This class wires the parts that do the work, each owning one thing and seeing only what it
 * needs of the others: `PostgresConnection` (pool, LISTEN, reconnect, timers, closing state),
 * `TopologyStore` (declare, cache, route), `Publisher` (rows in), `Consumers` (claims, leases,
 * wake-ups), `ParkingLot` (browse, drain, depth) and `RequestReply` (the reply queue).
 */
export class PostgresTransport implements Transport {
  readonly kind = 'postgres' as const;
  readonly ordersPipelinedPublishes = false;
  readonly instanceId: string;
  /** The queue replies to this instance's requests go to. */
  readonly replyQueue: string;

  private readonly connection: PostgresConnection;
  private readonly topology: TopologyStore;
  private readonly consumers: Consumers;
  private readonly publisher: Publisher;
  private readonly parkingLot: ParkingLot;
  private readonly replies: RequestReply;
  private readonly closeTimeoutMs: number;

  constructor(options: PostgresTransportOptions) {
    if (!options.pool && !options.connectionString) throw new Error('PostgresTransport needs a connectionString or a pool');
    const schema = options.schema ?? 'bus';
    assertSchemaName(schema);
    const sql = statements(schema);
    const channel = channels(schema);
    const instanceId = options.instanceId ?? uuidv4();
    const leaseMs = options.leaseMs ?? 30_000;
    const replyRetentionMs = options.replyRetentionMs ?? 3_600_000;
    const logger = options.logger ?? silentLogger;
    this.instanceId = instanceId;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;

    this.connection = new PostgresConnection(
      {
        connectionString: options.connectionString,
        pool: options.pool,
        poolSize: options.poolSize ?? 10,
        schema,
        instanceId,
        pollIntervalMs: options.pollIntervalMs ?? 1000,
        // Three renewals per lease: one late or failed renewal does not cost a running handler its message.
        heartbeatMs: Math.max(50, Math.floor(leaseMs / 3)),
        sweepMs: Math.min(replyRetentionMs, 300_000),
        reconnectMinMs: options.reconnectMinMs ?? 100,
        reconnectMaxMs: options.reconnectMaxMs ?? 5000,
        logger,
      },
      {
        prepare: () => this.topology.ready(),
        // A failed reload is not fatal: a lookup that misses reads the topology again, and a
        // publish routed with outdated bindings is caught by the topology version.
        resync: () => this.topology.reload().then(noop, noop),
        queueNotified: (queue) => (queue === this.replyQueue ? this.replies.collect() : this.consumers.wakeQueue(queue)),
        topologyChanged: () => {
          this.topology.reload().catch((error: Error) => logger.warn('Could not reload the message topology', { error: error.message }));
        },
        poll: () => this.pollOnce(),
        heartbeat: () => void this.consumers.renewLeases(),
        sweep: () => void this.replies.sweep(),
      },
    );
    this.topology = new TopologyStore(this.connection, { schema, sql, topologyChannel: channel.topology, instanceId });
    this.consumers = new Consumers(this.connection, this.topology, { sql, queueChannel: channel.queue, leaseMs, instanceId, logger });
    this.publisher = new Publisher(this.connection, this.topology, this.consumers, { sql, queueChannel: channel.queue });
    this.parkingLot = new ParkingLot(this.connection, this.topology, sql);
    this.replies = new RequestReply(this.connection, this.publisher, this.topology, { sql, schema, instanceId, replyRetentionMs, logger });
    this.replyQueue = this.replies.queue;
  }

  /** Messages published to an exchange that routed them to no queue (dropped, as AMQP does without `mandatory`). */
  get unroutableCount(): number {
    return this.publisher.unroutableCount;
  }

  on(event: TransportEvent, listener: () => void): void {
    this.connection.on(event, listener);
  }

  // ---------------------------------------------------------------- lifecycle

  connect(): Promise<void> {
    return this.connection.connect();
  }

  async close(): Promise<void> {
    if (!this.connection.beginClose()) return;
    // In-flight handlers get closeTimeoutMs to settle while the heartbeat still keeps their
    // leases; what is unsettled after that goes back to its queue rather than wait for expiry.
    await this.consumers.stop(this.closeTimeoutMs);
    this.connection.stopTimers();
    await this.consumers.giveBackUnsettled();
    await this.replies.close();
    if (this.connection.ownsPool) this.topology.forget();
    await this.connection.end();
  }

  async ping(): Promise<void> {
    await this.connection.db().query('SELECT 1');
  }

  /** The fallback poll: delayed rows that came due, expired leases, and whatever a lost LISTEN connection missed. */
  private pollOnce(): void {
    if (this.connection.closing) return;
    this.consumers.wakeAll();
    if (this.replies.waiting) this.replies.collect();
  }

  // ---------------------------------------------------------------- topology and producing

  declare(topology: Topology): Promise<void> {
    return this.topology.declare(topology);
  }

  publish(exchange: string, routingKey: string, message: WireMessage): Promise<void> {
    return this.publisher.publish(exchange, routingKey, message);
  }

  sendToQueue(queue: string, message: WireMessage): Promise<void> {
    return this.publisher.sendToQueue(queue, message);
  }

  delay(queue: string, delayMs: number, message: WireMessage): Promise<void> {
    return this.publisher.delay(queue, delayMs, message);
  }

  // ---------------------------------------------------------------- consuming and the parking lot

  consume(queue: string, options: ConsumeOptions, onMessage: (delivery: Delivery) => Promise<void>): Promise<Subscription> {
    return this.consumers.consume(queue, options, onMessage);
  }

  browse(queue: string, limit: number): Promise<ParkedMessage[]> {
    return this.parkingLot.browse(queue, limit);
  }

  drain(queue: string, filter: { messageIds?: string[]; limit?: number }, onEach: (message: WireMessage) => Promise<void>): Promise<number> {
    return this.parkingLot.drain(queue, filter, onEach);
  }

  depth(queue: string): Promise<number> {
    return this.parkingLot.depth(queue);
  }

  queues(): Promise<string[]> {
    return this.parkingLot.queues();
  }

  // ---------------------------------------------------------------- request / reply

  request(exchange: string, routingKey: string, message: WireMessage, timeoutMs: number): Promise<WireMessage> {
    return this.replies.request(exchange, routingKey, message, timeoutMs);
  }

  reply(replyTo: string, message: WireMessage): Promise<void> {
    return this.replies.reply(replyTo, message);
  }
}

function noop(): void {}
