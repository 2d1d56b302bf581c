import { EventEmitter } from 'node:events';
import { Pool, type Notification, type PoolClient } from 'pg';
import type { MessagingLogger } from '../../logger';
import type { TransportEvent } from '../../transport';
import { channels } from './sql';

/** What the other parts of the transport use of its connection; each takes only the members it needs. */
export interface Connection {
  /** The pool; throws once `close()` has ended the transport's own pool. */
  db(): Pool;
  /** False from then on: background work (heartbeat, reply collection) stops quietly instead of throwing. */
  readonly hasPool: boolean;
  /** From `close()` until the next `connect()`: claim nothing new and wake nobody. */
  readonly closing: boolean;
  /** One checked-out client for `work`, given back afterwards however `work` ends. */
  withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
  /** `work` in BEGIN … COMMIT on one client, rolled back when it throws. */
  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
  /** Runs `run` once after `ms`, unless the transport closes (or connects anew) first. */
  after(ms: number, run: () => void): void;
}

/** What the connection asks of the rest of the transport. */
export interface ConnectionHooks {
  /** On `connect()`, before LISTEN: the schema exists and the topology is loaded. */
  prepare(): Promise<unknown>;
  /** The LISTEN connection is back after a loss: reload what may have changed while nobody listened. */
  resync(): Promise<void>;
  /** A NOTIFY said `queue` has messages ready. */
  queueNotified(queue: string): void;
  /** A NOTIFY said another process changed the topology. */
  topologyChanged(): void;
  /** The fallback poll; also run right after (re)connecting. */
  poll(): void;
  /** Extends the leases of the messages whose handlers are still running here. */
  heartbeat(): void;
  /** Deletes replies nobody collected. */
  sweep(): void;
}

export interface ConnectionSettings {
  connectionString?: string;
  /** A pool owned by the caller: not ended by `close()`. */
  pool?: Pool;
  poolSize: number;
  schema: string;
  instanceId: string;
  pollIntervalMs: number;
  heartbeatMs: number;
  sweepMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  logger: MessagingLogger;
}

/**
 * The transport's link to PostgreSQL: the pool, the one client that LISTENs on the schema's
 * channels (re-established with backoff when it drops), the timers that run while connected,
 * and the connected / closing state that every other part reads.
 */
export class PostgresConnection implements Connection {
  /** Not ended by `end()` when false. */
  readonly ownsPool: boolean;
  private pool?: Pool;
  private readonly channel: { queue: string; topology: string };
  private readonly events = new EventEmitter();

  private listener?: PoolClient;
  private connected = false;
  private connecting?: Promise<void>;
  private isClosing = false;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;
  private pollTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private readonly delayTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly hooks: ConnectionHooks,
  ) {
    this.channel = channels(settings.schema);
    this.ownsPool = !settings.pool;
    this.pool = settings.pool ?? this.createPool();
  }

  private createPool(): Pool {
    const pool = new Pool({
      connectionString: this.settings.connectionString,
      max: this.settings.poolSize,
      application_name: `leap-bus:${this.settings.instanceId}`.slice(0, 63),
      keepAlive: true,
    });
    pool.on('error', (error: Error) => this.settings.logger.warn('PostgreSQL transport: idle connection failed', { error: error.message }));
    return pool;
  }

  get closing(): boolean {
    return this.isClosing;
  }

  get hasPool(): boolean {
    return this.pool !== undefined;
  }

  db(): Pool {
    if (!this.pool) throw new Error('The PostgreSQL transport is closed');
    return this.pool;
  }

  on(event: TransportEvent, listener: () => void): void {
    this.events.on(event, listener);
  }

  async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.db().connect();
    // A connection dropped while checked out must reject the pending query, not crash the process.
    client.on('error', ignoreCheckedOutError);
    try {
      return await work(client);
    } finally {
      client.removeListener('error', ignoreCheckedOutError);
      client.release();
    }
  }

  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.delayTimers.delete(timer);
      run();
    }, ms);
    timer.unref();
    this.delayTimers.add(timer);
  }

  // ---------------------------------------------------------------- connecting

  async connect(): Promise<void> {
    this.isClosing = false;
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
    await this.hooks.prepare();
    if (!this.listener) await this.startListener();
    this.connected = true;
    this.startTimers();
    this.hooks.sweep();
    this.settings.logger.info('PostgreSQL transport connected', { schema: this.settings.schema, instance: this.settings.instanceId });
    this.events.emit('connected');
    this.hooks.poll();
  }

  private startTimers(): void {
    this.stopTimers();
    this.pollTimer = setInterval(() => this.hooks.poll(), this.settings.pollIntervalMs);
    this.pollTimer.unref();
    this.heartbeatTimer = setInterval(() => this.hooks.heartbeat(), this.settings.heartbeatMs);
    this.heartbeatTimer.unref();
    this.sweepTimer = setInterval(() => this.hooks.sweep(), this.settings.sweepMs);
    this.sweepTimer.unref();
  }

  /** Every timer, the heartbeat included. */
  stopTimers(): void {
    for (const timer of [this.pollTimer, this.heartbeatTimer, this.sweepTimer]) if (timer) clearInterval(timer);
    this.pollTimer = this.heartbeatTimer = this.sweepTimer = undefined;
    this.clearDelayTimers();
  }

  private clearDelayTimers(): void {
    for (const timer of this.delayTimers) clearTimeout(timer);
    this.delayTimers.clear();
  }

  // ---------------------------------------------------------------- LISTEN

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
    if (this.listener || this.isClosing) {
      // Another attempt won the race (or the transport closed meanwhile): one LISTEN connection is enough.
      lost = true;
      client.release(true);
      return;
    }
    this.listener = client;
  }

  private onNotification(notification: Notification): void {
    if (notification.channel === this.channel.queue) this.hooks.queueNotified(notification.payload ?? '');
    else if (notification.channel === this.channel.topology) this.hooks.topologyChanged();
  }

  private onListenerLost(client: PoolClient, error?: Error): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    try {
      client.release(error ?? new Error('LISTEN connection ended'));
    } catch {
      // already released
    }
    if (this.isClosing) return;
    this.connected = false;
    this.settings.logger.warn('PostgreSQL transport lost its LISTEN connection; reconnecting', { error: error?.message });
    this.events.emit('disconnected');
    this.scheduleReconnect(this.settings.reconnectMinMs);
  }

  private scheduleReconnect(delayMs: number): void {
    if (this.reconnectTimer || this.isClosing) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.isClosing) return;
      this.startListener()
        .then(async () => {
          this.connected = true;
          await this.hooks.resync();
          this.settings.logger.info('PostgreSQL transport reconnected', { instance: this.settings.instanceId });
          this.events.emit('connected');
          this.hooks.poll(); // catch up on whatever was notified while nobody listened
        })
        .catch((err: Error) => {
          this.settings.logger.warn('PostgreSQL transport reconnect failed', { error: err.message });
          this.scheduleReconnect(Math.min(delayMs * 2, this.settings.reconnectMaxMs));
        });
    }, delayMs);
    this.reconnectTimer.unref();
  }

  // ---------------------------------------------------------------- closing

  /**
   * First step of `close()`: from now on nothing reconnects, polls or wakes a consumer. The
   * heartbeat goes on, so in-flight handlers keep their leases while they settle. False when
   * the transport was closed already.
   */
  beginClose(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.isClosing = true;
    this.connected = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    this.clearDelayTimers();
    return true;
  }

  /** Last step of `close()`: drops the LISTEN connection and ends the pool if the transport created it. */
  async end(): Promise<void> {
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
      if (pool) await pool.end().catch(() => undefined);
    }
  }
}

function ignoreCheckedOutError(): void {
  // The query in progress rejects with the same error; the pool drops the broken client.
}
