import { EventEmitter } from 'node:events';
import { Pool, type Notification, type PoolClient } from 'pg';
import { v4 as uuidv4 } from 'uuid';
import type { WireMessage } from '../../envelope';
import { MessagingConfigurationError, RequestTimeoutError } from '../../errors';
import { silentLogger, type MessagingLogger } from '../../logger';
import {
  queueNames,
  tierName,
  type ConsumeOptions,
  type Delivery,
  type ParkedMessage,
  type Subscription,
  type Topology,
  type Transport,
  type TransportEvent,
} from '../../transport';
import { assertSchemaName, channels, statements, transportDdl, type Statements } from './sql';
import { compileDirect, compileTopic, type KeyMatcher } from './topic-matcher';

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

type Headers = WireMessage['headers'];

interface MessageRow {
  outcome?: 'claimed' | 'dead';
  id: string;
  queue: string;
  message_id: string;
  type: string;
  content_type: string;
  timestamp_ms: string;
  correlation_id: string | null;
  reply_to: string | null;
  headers: Headers | null;
  body: Buffer;
  exchange: string;
  routing_key: string;
  delivery_count: number;
}

interface QueueInfo {
  kind: 'main' | 'error' | 'dlq';
  deliveryLimit: number | null;
  retryTiersMs: number[];
}

interface Route {
  queue: string;
  matches: KeyMatcher;
}

interface TopologyCache {
  /** The `topology_version` these maps were read at. */
  version: string;
  exchanges: Map<string, 'topic' | 'direct'>;
  queues: Map<string, QueueInfo>;
  routes: Map<string, Route[]>;
  /** Resolved target queues per `exchange\0routingKey`. */
  resolved: Map<string, string[]>;
}

interface ConsumerState {
  queue: string;
  prefetch: number;
  onMessage: (delivery: Delivery) => Promise<void>;
  cancelled: boolean;
  inFlight: number;
  pumping?: Promise<void>;
  again: boolean;
}

interface InFlight {
  id: string;
  token: string;
  queue: string;
  settled: boolean;
  done: Promise<void>;
  finish: () => void;
}

interface PendingReply {
  resolve: (message: WireMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
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
 */
export class PostgresTransport implements Transport {
  readonly kind = 'postgres' as const;
  readonly instanceId: string;
  /** The queue replies to this instance's requests go to. */
  readonly replyQueue: string;

  private pool?: Pool;
  private readonly ownsPool: boolean;
  private readonly connectionString?: string;
  private readonly poolSize: number;
  private readonly schema: string;
  private readonly sql: Statements;
  private readonly channel: { queue: string; topology: string };
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly closeTimeoutMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly replyRetentionMs: number;
  private readonly logger: MessagingLogger;
  private readonly events = new EventEmitter();

  private topology?: TopologyCache;
  private topologyLoading?: Promise<TopologyCache>;
  private topologyStale = false;
  private schemaReady?: Promise<void>;

  private listener?: PoolClient;
  private connected = false;
  private connecting?: Promise<void>;
  private closing = false;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private readonly delayTimers = new Set<NodeJS.Timeout>();

  private readonly consumers = new Set<ConsumerState>();
  private readonly inFlight = new Map<string, InFlight>();
  private readonly pendingReplies = new Map<string, PendingReply>();
  private fetchingReplies?: Promise<void>;
  private fetchRepliesAgain = false;
  private unroutable = 0;

  constructor(options: PostgresTransportOptions) {
    if (!options.pool && !options.connectionString) throw new Error('PostgresTransport needs a connectionString or a pool');
    this.schema = options.schema ?? 'bus';
    assertSchemaName(this.schema);
    this.sql = statements(this.schema);
    this.channel = channels(this.schema);
    this.instanceId = options.instanceId ?? uuidv4();
    this.replyQueue = `${this.schema}.reply.${this.instanceId}`;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.reconnectMinMs = options.reconnectMinMs ?? 100;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 5000;
    this.replyRetentionMs = options.replyRetentionMs ?? 3_600_000;
    this.logger = options.logger ?? silentLogger;
    this.ownsPool = !options.pool;
    this.connectionString = options.connectionString;
    this.poolSize = options.poolSize ?? 10;
    this.pool = options.pool ?? this.createPool();
  }

  private createPool(): Pool {
    const pool = new Pool({
      connectionString: this.connectionString,
      max: this.poolSize,
      application_name: `leap-bus:${this.instanceId}`.slice(0, 63),
      keepAlive: true,
    });
    pool.on('error', (error: Error) => this.logger.warn('PostgreSQL transport: idle connection failed', { error: error.message }));
    return pool;
  }

  /** Messages published to an exchange that routed them to no queue (dropped, as AMQP does without `mandatory`). */
  get unroutableCount(): number {
    return this.unroutable;
  }

  on(event: TransportEvent, listener: () => void): void {
    this.events.on(event, listener);
  }

  private db(): Pool {
    if (!this.pool) throw new Error('The PostgreSQL transport is closed');
    return this.pool;
  }

  // ---------------------------------------------------------------- lifecycle

  async connect(): Promise<void> {
    this.closing = false;
    this.closed = false;
    if (this.connected) return;
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<void> {
    if (!this.pool) this.pool = this.createPool();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.ready();
    if (!this.listener) await this.startListener();
    this.connected = true;
    this.startTimers();
    void this.sweepReplies();
    this.logger.info('PostgreSQL transport connected', { schema: this.schema, instance: this.instanceId });
    this.events.emit('connected');
    this.pollOnce();
  }

  /** Tables exist and the topology is loaded. */
  private async ready(): Promise<TopologyCache> {
    this.schemaReady ??= this.ensureSchema().catch((error: unknown) => {
      this.schemaReady = undefined;
      throw error;
    });
    await this.schemaReady;
    return this.topology ?? this.loadTopology();
  }

  private async ensureSchema(): Promise<void> {
    await this.transaction(async (client) => {
      await client.query(this.sql.lockSchema);
      for (const statement of transportDdl(this.schema)) await client.query(statement);
    });
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.db().connect();
    // A connection dropped while checked out must reject the pending query, not crash the process.
    client.on('error', ignoreCheckedOutError);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', ignoreCheckedOutError);
      client.release();
    }
  }

  private startTimers(): void {
    this.stopTimers();
    this.pollTimer = setInterval(() => this.pollOnce(), this.pollIntervalMs);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(() => void this.renewLeases(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeatTimer.unref();
    this.sweepTimer = setInterval(() => void this.sweepReplies(), Math.min(this.replyRetentionMs, 300_000));
    this.sweepTimer.unref();
  }

  private stopTimers(): void {
    for (const timer of [this.pollTimer, this.heartbeatTimer, this.sweepTimer]) if (timer) clearInterval(timer);
    this.pollTimer = this.heartbeatTimer = this.sweepTimer = undefined;
    for (const timer of this.delayTimers) clearTimeout(timer);
    this.delayTimers.clear();
  }

  private async startListener(): Promise<void> {
    const client = await this.db().connect();
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      this.onListenerLost(client, error);
    };
    client.on('error', (error: Error) => onLost(error));
    client.on('end', () => onLost());
    client.on('notification', (n: Notification) => this.onNotification(n));
    try {
      await client.query(`LISTEN "${this.channel.queue}"; LISTEN "${this.channel.topology}"`);
    } catch (error) {
      lost = true;
      client.release(error as Error);
      throw error;
    }
    if (this.listener || this.closing) {
      // Another attempt won the race (or the transport closed meanwhile): one LISTEN connection is enough.
      lost = true;
      client.release(true);
      return;
    }
    this.listener = client;
  }

  private onListenerLost(client: PoolClient, error?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    try {
      client.release(error ?? new Error('LISTEN connection ended'));
    } catch {
      // already released
    }
    if (this.closing) return;
    this.connected = false;
    this.logger.warn('PostgreSQL transport lost its LISTEN connection; reconnecting', { error: error?.message });
    this.events.emit('disconnected');
    this.scheduleReconnect(this.reconnectMinMs);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.reconnectTimer || this.closing) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      this.startListener()
        .then(async () => {
          this.connected = true;
          this.topologyStale = true;
          await this.loadTopology().catch(() => undefined);
          this.logger.info('PostgreSQL transport reconnected', { instance: this.instanceId });
          this.events.emit('connected');
          this.pollOnce(); // catch up on whatever was notified while nobody listened
        })
        .catch((err: Error) => {
          this.logger.warn('PostgreSQL transport reconnect failed', { error: err.message });
          this.scheduleReconnect(Math.min(delayMs * 2, this.reconnectMaxMs));
        });
    }, delayMs);
    this.reconnectTimer.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing = true;
    this.connected = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    for (const timer of this.delayTimers) clearTimeout(timer);
    this.delayTimers.clear();

    // Stop claiming, then let in-flight handlers settle (the heartbeat keeps their leases).
    for (const consumer of this.consumers) consumer.cancelled = true;
    await Promise.allSettled([...this.consumers].map((c) => c.pumping));
    this.consumers.clear();
    const pending = [...this.inFlight.values()].filter((f) => !f.settled);
    if (pending.length > 0) {
      await Promise.race([Promise.all(pending.map((f) => f.done)), sleep(this.closeTimeoutMs)]);
    }
    this.stopTimers();

    // What is still unsettled goes back to its queue at once, as a closed AMQP channel does.
    const unsettled = [...this.inFlight.values()].filter((f) => !f.settled);
    for (const f of unsettled) {
      f.settled = true;
      f.finish();
    }
    this.inFlight.clear();
    if (unsettled.length > 0 && this.pool) {
      await this.releaseRows(unsettled, 0).catch((error: Error) =>
        this.logger.warn('Could not give unsettled messages back at close; their leases will expire', { error: error.message }),
      );
    }

    for (const [id, reply] of this.pendingReplies) {
      clearTimeout(reply.timer);
      reply.reject(new Error('The PostgreSQL transport closed while waiting for a reply'));
      this.pendingReplies.delete(id);
    }
    if (this.pool) await this.db().query(this.sql.takeReplies, [this.replyQueue]).catch(() => undefined);

    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      listener.removeAllListeners('notification');
      try {
        listener.release(true); // never hand a LISTENing connection back to the pool
      } catch {
        // already released
      }
    }
    const pool = this.pool;
    if (this.ownsPool) {
      this.pool = undefined;
      this.schemaReady = undefined;
      this.topology = undefined;
      if (pool) await pool.end().catch(() => undefined);
    }
  }

  async ping(): Promise<void> {
    await this.db().query('SELECT 1');
  }

  // ---------------------------------------------------------------- topology

  async declare(topology: Topology): Promise<void> {
    await this.ready();
    try {
      await this.transaction(async (client) => {
        await client.query(this.sql.lockSchema);
        let changed = 0;
        for (const exchange of topology.exchanges) {
          changed += (await client.query(this.sql.insertExchange, [exchange.name, exchange.type])).rowCount ?? 0;
          const { rows } = await client.query<{ type: string }>(this.sql.exchangeType, [exchange.name]);
          if (rows[0] && rows[0].type !== exchange.type) {
            throw new MessagingConfigurationError(
              `Exchange ${exchange.name} is declared as ${rows[0].type}, not ${exchange.type}; delete it or rename the new one`,
            );
          }
        }
        for (const queue of topology.queues) {
          const limit = queue.deliveryLimit > 0 ? queue.deliveryLimit : null;
          changed += (await client.query(this.sql.upsertQueue, [queue.name, limit, queue.retryTiersMs])).rowCount ?? 0;
          changed += (await client.query(this.sql.insertCompanion, [queueNames.error(queue.name), 'error', queue.name])).rowCount ?? 0;
          changed += (await client.query(this.sql.insertCompanion, [queueNames.dlq(queue.name), 'dlq', queue.name])).rowCount ?? 0;
          for (const binding of queue.bindings) {
            const { rows } = await client.query<{ type: string }>(this.sql.exchangeType, [binding.exchange]);
            if (!rows[0]) {
              throw new MessagingConfigurationError(`Queue ${queue.name} binds to exchange ${binding.exchange}, which is not declared`);
            }
            changed += (await client.query(this.sql.insertBinding, [binding.exchange, queue.name, binding.routingKey])).rowCount ?? 0;
          }
        }
        if (changed > 0) {
          await client.query(this.sql.bumpTopologyVersion);
          await client.query('SELECT pg_notify($1, $2)', [this.channel.topology, this.instanceId]);
        }
      });
    } finally {
      this.topologyStale = true;
    }
    await this.loadTopology();
  }

  private loadTopology(): Promise<TopologyCache> {
    if (this.topologyLoading) {
      this.topologyStale = true;
      return this.topologyLoading.then(() => (this.topologyStale ? this.loadTopology() : this.topology!));
    }
    this.topologyStale = false;
    this.topologyLoading = this.readTopology()
      .then((cache) => {
        this.topology = cache;
        return cache;
      })
      .finally(() => {
        this.topologyLoading = undefined;
      });
    return this.topologyLoading;
  }

  private async readTopology(): Promise<TopologyCache> {
    const pool = this.db();
    // The version first: tables read after it are at least as new, so a mismatch can only
    // make a publisher reload once more, never route with bindings older than it believes.
    const { rows: versionRows } = await pool.query<{ version: string }>(this.sql.topologyVersion);
    const [exchanges, queues, bindings] = await Promise.all([
      pool.query<{ name: string; type: 'topic' | 'direct' }>(this.sql.loadExchanges),
      pool.query<{ name: string; kind: QueueInfo['kind']; delivery_limit: number | null; retry_tiers_ms: number[] }>(this.sql.loadQueues),
      pool.query<{ exchange: string; queue: string; routing_key: string }>(this.sql.loadBindings),
    ]);
    const cache: TopologyCache = { version: versionRows[0]?.version ?? '0', exchanges: new Map(), queues: new Map(), routes: new Map(), resolved: new Map() };
    for (const row of exchanges.rows) {
      cache.exchanges.set(row.name, row.type);
      cache.routes.set(row.name, []);
    }
    for (const row of queues.rows) {
      cache.queues.set(row.name, { kind: row.kind, deliveryLimit: row.delivery_limit, retryTiersMs: row.retry_tiers_ms ?? [] });
    }
    for (const row of bindings.rows) {
      const type = cache.exchanges.get(row.exchange);
      if (!type) continue;
      cache.routes.get(row.exchange)!.push({
        queue: row.queue,
        matches: type === 'topic' ? compileTopic(row.routing_key) : compileDirect(row.routing_key),
      });
    }
    return cache;
  }

  /** The topology, reloaded once from the database when `check` fails on the cached one. */
  private async topologyWhere(check: (t: TopologyCache) => boolean): Promise<TopologyCache> {
    const cached = await this.ready();
    if (check(cached)) return cached;
    return this.loadTopology();
  }

  private async queueInfo(queue: string): Promise<QueueInfo | undefined> {
    return (await this.topologyWhere((t) => t.queues.has(queue))).queues.get(queue);
  }

  private route(topology: TopologyCache, exchange: string, routingKey: string): string[] {
    const key = `${exchange}\0${routingKey}`;
    let queues = topology.resolved.get(key);
    if (!queues) {
      const targets = new Set<string>();
      for (const route of topology.routes.get(exchange) ?? []) if (route.matches(routingKey)) targets.add(route.queue);
      queues = [...targets];
      if (topology.resolved.size > 10_000) topology.resolved.clear();
      topology.resolved.set(key, queues);
    }
    return queues;
  }

  // ---------------------------------------------------------------- producing

  async publish(exchange: string, routingKey: string, message: WireMessage): Promise<void> {
    let topology = await this.topologyWhere((t) => t.exchanges.has(exchange));
    for (;;) {
      if (!topology.exchanges.has(exchange)) {
        throw new MessagingConfigurationError(`Cannot publish ${message.type || routingKey}: exchange ${exchange} is not declared`);
      }
      const queues = this.route(topology, exchange, routingKey);
      // The statement inserts only if the bindings used are still current (a declare in another
      // process may have committed since the cache was loaded); otherwise route again.
      const current = await this.insert(queues, message, exchange, routingKey, 0, null, topology.version);
      if (current === topology.version) {
        if (queues.length === 0) this.unroutable++;
        return;
      }
      topology = await this.loadTopology();
    }
  }

  async sendToQueue(queue: string, message: WireMessage): Promise<void> {
    await this.requireQueue(queue);
    await this.insert([queue], message, '', queue, 0, null);
  }

  async delay(queue: string, delayMs: number, message: WireMessage): Promise<void> {
    await this.requireQueue(queue);
    const ms = Math.max(0, Math.round(delayMs));
    await this.insert([queue], message, '', queue, ms, tierName(ms));
    // Wake this process's consumers when the row comes due; others find it by their poll.
    if (this.consumersOf(queue).length > 0 && !this.closing) {
      const timer = setTimeout(() => {
        this.delayTimers.delete(timer);
        this.wakeQueue(queue);
      }, ms + 5);
      timer.unref();
      this.delayTimers.add(timer);
    }
  }

  private async requireQueue(queue: string): Promise<void> {
    if (!(await this.queueInfo(queue))) throw new MessagingConfigurationError(`Queue ${queue} is not declared`);
  }

  /** Returns the current topology version. */
  private async insert(
    queues: string[],
    m: WireMessage,
    exchange: string,
    routingKey: string,
    delayMs: number,
    tier: string | null,
    topologyVersion: string | null = null,
  ): Promise<string> {
    const { rows } = await this.db().query<{ version: string }>(this.sql.insert, [
      queues,
      m.messageId,
      m.type ?? '',
      m.contentType || 'application/json',
      Math.round(m.timestamp || Date.now()),
      m.correlationId ?? null,
      m.replyTo ?? null,
      JSON.stringify(cleanHeaders(m.headers)),
      m.body,
      exchange,
      routingKey,
      tier,
      delayMs,
      this.channel.queue,
      delayMs === 0,
      topologyVersion,
    ]);
    return rows[0]!.version;
  }

  // ---------------------------------------------------------------- consuming

  async consume(queue: string, options: ConsumeOptions, onMessage: (delivery: Delivery) => Promise<void>): Promise<Subscription> {
    if (this.closing) throw new Error('The PostgreSQL transport is closed');
    await this.requireQueue(queue);
    const state: ConsumerState = {
      queue,
      prefetch: Math.max(1, Math.floor(options.prefetch || 1)),
      onMessage,
      cancelled: false,
      inFlight: 0,
      again: false,
    };
    this.consumers.add(state);
    this.wake(state);
    return {
      cancel: async () => {
        state.cancelled = true;
        this.consumers.delete(state);
        await state.pumping?.catch(() => undefined);
      },
    };
  }

  private consumersOf(queue: string): ConsumerState[] {
    return [...this.consumers].filter((c) => c.queue === queue);
  }

  private wakeQueue(queue: string): void {
    for (const consumer of this.consumersOf(queue)) this.wake(consumer);
  }

  private pollOnce(): void {
    if (this.closing) return;
    for (const consumer of this.consumers) this.wake(consumer);
    if (this.pendingReplies.size > 0) this.fetchReplies();
  }

  private wake(state: ConsumerState): void {
    if (state.cancelled || this.closing) return;
    if (state.pumping) {
      state.again = true;
      return;
    }
    state.pumping = this.pump(state).finally(() => {
      state.pumping = undefined;
    });
  }

  /** Claim and dispatch until the prefetch window is full or the queue has nothing ready. */
  private async pump(state: ConsumerState): Promise<void> {
    try {
      do {
        state.again = false;
        while (!state.cancelled && !this.closing && state.inFlight < state.prefetch) {
          const free = state.prefetch - state.inFlight;
          const taken = await this.claim(state, free);
          if (taken < free) break;
        }
      } while (state.again && !state.cancelled && !this.closing && state.inFlight < state.prefetch);
    } catch (error) {
      if (!this.closing) this.logger.warn('PostgreSQL transport could not claim messages; will retry', { queue: state.queue, error: (error as Error).message });
    }
  }

  /** Returns how many rows the claim took (delivered or dead-lettered). */
  private async claim(state: ConsumerState, limit: number): Promise<number> {
    const info = await this.queueInfo(state.queue);
    const token = uuidv4();
    const { rows } = await this.db().query<MessageRow>(this.sql.claim, [
      state.queue,
      limit,
      this.leaseMs,
      token,
      this.instanceId,
      info?.deliveryLimit ?? null,
      queueNames.dlq(state.queue),
    ]);
    const claimed = rows.filter((r) => r.outcome === 'claimed').sort((a, b) => compareIds(a.id, b.id));
    for (const row of rows) {
      if (row.outcome === 'dead') {
        this.logger.warn('Message dead-lettered after reaching its delivery limit', {
          queue: state.queue,
          messageId: row.message_id,
          type: row.type,
          deliveries: row.delivery_count,
        });
      }
    }
    if (state.cancelled || this.closing) {
      // Claimed after the subscription ended: give them back uncounted.
      if (claimed.length > 0) await this.releaseRows(claimed.map((r) => ({ id: r.id, token })), 1);
      return rows.length;
    }
    for (const row of claimed) this.dispatch(state, row, token);
    return rows.length;
  }

  private dispatch(state: ConsumerState, row: MessageRow, token: string): void {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const flight: InFlight = { id: row.id, token, queue: row.queue, settled: false, done, finish };
    this.inFlight.set(row.id, flight);
    state.inFlight++;

    const settle = async (op: () => Promise<unknown>): Promise<void> => {
      if (flight.settled) return;
      flight.settled = true;
      try {
        await op();
      } finally {
        this.inFlight.delete(row.id);
        state.inFlight--;
        finish();
        this.wake(state);
      }
    };
    const delivery: Delivery = {
      message: toWire(row),
      exchange: row.exchange,
      routingKey: row.routing_key,
      redelivered: row.delivery_count > 1,
      ack: () =>
        settle(async () => {
          const result = await this.db().query(this.sql.ack, [row.id, token]);
          if (result.rowCount === 0) {
            this.logger.warn('Acknowledged a message whose lease had expired; it may be delivered again', {
              queue: row.queue,
              messageId: row.message_id,
            });
          }
        }),
      nack: () =>
        settle(async () => {
          await this.releaseRows([{ id: row.id, token }], 0);
          this.wakeQueue(row.queue);
        }),
    };
    void Promise.resolve()
      .then(() => state.onMessage(delivery))
      .catch((error: Error) => {
        this.logger.error('Unhandled consumer failure; message returned to the queue', { queue: state.queue, error: error?.message });
        return delivery.nack();
      })
      .catch(() => undefined);
  }

  private async releaseRows(rows: { id: string; token: string }[], uncount: 0 | 1): Promise<void> {
    await this.db().query(this.sql.release, [rows.map((r) => r.id), rows.map((r) => r.token), uncount, this.channel.queue]);
  }

  /** Heartbeat: extend the lease of every message whose handler is still running here. */
  private async renewLeases(): Promise<void> {
    const active = [...this.inFlight.values()].filter((f) => !f.settled);
    if (active.length === 0 || !this.pool) return;
    try {
      await this.pool.query(this.sql.renew, [active.map((f) => f.id), active.map((f) => f.token), this.leaseMs]);
    } catch (error) {
      this.logger.warn('Could not renew message leases', { count: active.length, error: (error as Error).message });
    }
  }

  private onNotification(notification: Notification): void {
    if (notification.channel === this.channel.queue) {
      const queue = notification.payload ?? '';
      if (queue === this.replyQueue) this.fetchReplies();
      else this.wakeQueue(queue);
    } else if (notification.channel === this.channel.topology) {
      this.loadTopology().catch((error: Error) => this.logger.warn('Could not reload the message topology', { error: error.message }));
    }
  }

  // ---------------------------------------------------------------- parking lot

  async browse(queue: string, limit: number): Promise<ParkedMessage[]> {
    await this.ready();
    const { rows } = await this.db().query<MessageRow>(this.sql.browse, [queue, Math.max(0, Math.floor(limit))]);
    return rows.map((row) => ({ handle: row.id, message: toWire(row) }));
  }

  async drain(queue: string, filter: { messageIds?: string[]; limit?: number }, onEach: (message: WireMessage) => Promise<void>): Promise<number> {
    await this.ready();
    const limit = filter.limit ?? Number.MAX_SAFE_INTEGER;
    const ids = filter.messageIds ?? null;
    if (ids && ids.length === 0) return 0;
    let lastId = '0';
    let taken = 0;
    const client = await this.db().connect();
    client.on('error', ignoreCheckedOutError);
    try {
      while (taken < limit) {
        await client.query('BEGIN');
        try {
          const { rows } = await client.query<MessageRow>(this.sql.drainNext, [queue, lastId, ids]);
          const row = rows[0];
          if (!row) {
            await client.query('COMMIT');
            break;
          }
          lastId = row.id;
          // The row stays locked (and in the queue) until onEach has resolved for it.
          await onEach(toWire(row));
          await client.query(this.sql.deleteById, [row.id]);
          await client.query('COMMIT');
          taken++;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }
    } finally {
      client.removeListener('error', ignoreCheckedOutError);
      client.release();
    }
    return taken;
  }

  async depth(queue: string): Promise<number> {
    await this.ready();
    const { rows } = await this.db().query<{ n: number }>(this.sql.depth, [queue]);
    return rows[0]?.n ?? 0;
  }

  // ---------------------------------------------------------------- request / reply

  async request(exchange: string, routingKey: string, message: WireMessage, timeoutMs: number): Promise<WireMessage> {
    const messageId = message.messageId || uuidv4();
    const outgoing: WireMessage = { ...message, messageId, replyTo: this.replyQueue };
    const reply = new Promise<WireMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingReplies.delete(messageId);
        reject(new RequestTimeoutError(message.type || routingKey, timeoutMs));
      }, timeoutMs);
      timer.unref();
      this.pendingReplies.set(messageId, { resolve, reject, timer });
    });
    try {
      await this.publish(exchange, routingKey, outgoing);
    } catch (error) {
      const pending = this.pendingReplies.get(messageId);
      if (pending) clearTimeout(pending.timer);
      this.pendingReplies.delete(messageId);
      reply.catch(() => undefined);
      throw error;
    }
    return reply;
  }

  async reply(replyTo: string, message: WireMessage): Promise<void> {
    const isReplyQueue = replyTo.startsWith(`${this.schema}.reply.`);
    if (!isReplyQueue && !(await this.queueInfo(replyTo))) {
      // Nobody can receive it (as AMQP's default exchange drops a reply to a vanished queue).
      this.unroutable++;
      return;
    }
    await this.insert([replyTo], message, '', replyTo, 0, null);
  }

  private fetchReplies(): void {
    if (this.fetchingReplies) {
      this.fetchRepliesAgain = true;
      return;
    }
    this.fetchingReplies = (async () => {
      do {
        this.fetchRepliesAgain = false;
        if (!this.pool) return;
        const { rows } = await this.pool.query<MessageRow>(this.sql.takeReplies, [this.replyQueue]);
        for (const row of rows.sort((a, b) => compareIds(a.id, b.id))) {
          const key = row.correlation_id ?? '';
          const pending = this.pendingReplies.get(key);
          if (!pending) continue; // a late reply to a request that timed out
          clearTimeout(pending.timer);
          this.pendingReplies.delete(key);
          pending.resolve(toWire(row));
        }
      } while (this.fetchRepliesAgain);
    })()
      .catch((error: Error) => this.logger.warn('Could not collect replies', { error: error.message }))
      .finally(() => {
        this.fetchingReplies = undefined;
      });
  }

  private async sweepReplies(): Promise<void> {
    if (!this.pool) return;
    await this.pool.query(this.sql.sweepReplies, [`${this.schema}.reply.`, this.replyRetentionMs]).catch(() => undefined);
  }
}

function cleanHeaders(headers: Headers | undefined): Headers {
  const out: Headers = {};
  for (const [key, value] of Object.entries(headers ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

function toWire(row: MessageRow): WireMessage {
  return {
    messageId: row.message_id,
    type: row.type,
    contentType: row.content_type,
    timestamp: Number(row.timestamp_ms),
    correlationId: row.correlation_id ?? undefined,
    replyTo: row.reply_to ?? undefined,
    headers: { ...(row.headers ?? {}) },
    body: row.body,
  };
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function ignoreCheckedOutError(): void {
  // The query in progress rejects with the same error; the pool drops the broken client.
}
