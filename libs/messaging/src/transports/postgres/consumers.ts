import { v4 as uuidv4 } from 'uuid';
import type { MessagingLogger } from '../../logger';
import { queueNames, type ConsumeOptions, type Delivery, type Subscription } from '../../transport';
import type { Connection } from './connection';
import { compareIds, toWire, type MessageRow } from './message-row';
import type { Statements } from './sql';
import type { TopologyStore } from './topology';

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

export interface ConsumerSettings {
  sql: Statements;
  /** The channel a release notifies, so that other processes' consumers of the queue wake. */
  queueChannel: string;
  leaseMs: number;
  /** Written to `locked_by`. */
  instanceId: string;
  logger: MessagingLogger;
}

/**
 * This process's subscriptions and the messages their handlers hold. A subscription claims rows
 * in insertion order under a lease until its prefetch window is full, and is woken to claim again
 * when a delivery settles, when a NOTIFY names its queue, when a delayed row of its own comes due,
 * and by the fallback poll. Leases of running handlers are renewed by the heartbeat; a row whose
 * lease runs out (its process died) is claimed again, its delivery count telling the claim when
 * to dead-letter it instead.
 */
export class Consumers {
  private readonly consumers = new Set<ConsumerState>();
  private readonly inFlight = new Map<string, InFlight>();

  constructor(
    private readonly connection: Pick<Connection, 'db' | 'hasPool' | 'closing' | 'after'>,
    private readonly queues: Pick<TopologyStore, 'queueInfo' | 'requireQueue'>,
    private readonly settings: ConsumerSettings,
  ) {}

  async consume(queue: string, options: ConsumeOptions, onMessage: (delivery: Delivery) => Promise<void>): Promise<Subscription> {
    if (this.connection.closing) throw new Error('The PostgreSQL transport is closed');
    await this.queues.requireQueue(queue);
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

  // ---------------------------------------------------------------- waking

  private consumersOf(queue: string): ConsumerState[] {
    return [...this.consumers].filter((c) => c.queue === queue);
  }

  /** The fallback poll: every subscription looks for ready rows. */
  wakeAll(): void {
    for (const consumer of this.consumers) this.wake(consumer);
  }

  wakeQueue(queue: string): void {
    for (const consumer of this.consumersOf(queue)) this.wake(consumer);
  }

  /** A row of `queue` becomes visible in `delayMs`: this process's consumers wake then; others find it by their poll. */
  wakeWhenDue(queue: string, delayMs: number): void {
    if (this.consumersOf(queue).length > 0 && !this.connection.closing) {
      this.connection.after(delayMs + 5, () => this.wakeQueue(queue));
    }
  }

  private wake(state: ConsumerState): void {
    if (state.cancelled || this.connection.closing) return;
    if (state.pumping) {
      state.again = true;
      return;
    }
    state.pumping = this.pump(state).finally(() => {
      state.pumping = undefined;
    });
  }

  // ---------------------------------------------------------------- claiming

  /** Claim and dispatch until the prefetch window is full or the queue has nothing ready. */
  private async pump(state: ConsumerState): Promise<void> {
    const open = () => !state.cancelled && !this.connection.closing && state.inFlight < state.prefetch;
    try {
      do {
        state.again = false;
        while (open()) {
          const free = state.prefetch - state.inFlight;
          const taken = await this.claim(state, free);
          if (taken < free) break;
        }
      } while (state.again && open());
    } catch (error) {
      if (!this.connection.closing) {
        this.settings.logger.warn('PostgreSQL transport could not claim messages; will retry', { queue: state.queue, error: (error as Error).message });
      }
    }
  }

  /** Returns how many rows the claim took (delivered or dead-lettered). */
  private async claim(state: ConsumerState, limit: number): Promise<number> {
    const info = await this.queues.queueInfo(state.queue);
    const token = uuidv4();
    const { rows } = await this.connection.db().query<MessageRow>(this.settings.sql.claim, [
      state.queue,
      limit,
      this.settings.leaseMs,
      token,
      this.settings.instanceId,
      info?.deliveryLimit ?? null,
      queueNames.dlq(state.queue),
    ]);
    const claimed = rows.filter((r) => r.outcome === 'claimed').sort((a, b) => compareIds(a.id, b.id));
    for (const row of rows) {
      if (row.outcome === 'dead') {
        this.settings.logger.warn('Message dead-lettered after reaching its delivery limit', {
          queue: state.queue,
          messageId: row.message_id,
          type: row.type,
          deliveries: row.delivery_count,
        });
      }
    }
    if (state.cancelled || this.connection.closing) {
      // Claimed after the subscription ended: give them back uncounted.
      if (claimed.length > 0) await this.release(claimed.map((r) => ({ id: r.id, token })), 1);
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
          const result = await this.connection.db().query(this.settings.sql.ack, [row.id, token]);
          if (result.rowCount === 0) {
            this.settings.logger.warn('Acknowledged a message whose lease had expired; it may be delivered again', {
              queue: row.queue,
              messageId: row.message_id,
            });
          }
        }),
      nack: () =>
        settle(async () => {
          await this.release([{ id: row.id, token }], 0);
          this.wakeQueue(row.queue);
        }),
    };
    void Promise.resolve()
      .then(() => state.onMessage(delivery))
      .catch((error: Error) => {
        this.settings.logger.error('Unhandled consumer failure; message returned to the queue', { queue: state.queue, error: error?.message });
        return delivery.nack();
      })
      .catch(() => undefined);
  }

  // ---------------------------------------------------------------- leases

  private async release(rows: { id: string; token: string }[], uncount: 0 | 1): Promise<void> {
    await this.connection
      .db()
      .query(this.settings.sql.release, [rows.map((r) => r.id), rows.map((r) => r.token), uncount, this.settings.queueChannel]);
  }

  /** Heartbeat: extend the lease of every message whose handler is still running here. */
  async renewLeases(): Promise<void> {
    const active = [...this.inFlight.values()].filter((f) => !f.settled);
    if (active.length === 0 || !this.connection.hasPool) return;
    try {
      await this.connection.db().query(this.settings.sql.renew, [active.map((f) => f.id), active.map((f) => f.token), this.settings.leaseMs]);
    } catch (error) {
      this.settings.logger.warn('Could not renew message leases', { count: active.length, error: (error as Error).message });
    }
  }

  // ---------------------------------------------------------------- closing

  /**
   * First step of closing: stop claiming, then let in-flight handlers settle for up to
   * `timeoutMs` (the heartbeat, still running, keeps their leases).
   */
  async stop(timeoutMs: number): Promise<void> {
    for (const consumer of this.consumers) consumer.cancelled = true;
    await Promise.allSettled([...this.consumers].map((c) => c.pumping));
    this.consumers.clear();
    const pending = [...this.inFlight.values()].filter((f) => !f.settled);
    if (pending.length > 0) {
      await Promise.race([Promise.all(pending.map((f) => f.done)), sleep(timeoutMs)]);
    }
  }

  /** Second step, once the heartbeat has stopped: what is still unsettled goes back to its queue at once, as a closed AMQP channel does. */
  async giveBackUnsettled(): Promise<void> {
    const unsettled = [...this.inFlight.values()].filter((f) => !f.settled);
    for (const f of unsettled) {
      f.settled = true;
      f.finish();
    }
    this.inFlight.clear();
    if (unsettled.length > 0 && this.connection.hasPool) {
      await this.release(unsettled, 0).catch((error: Error) =>
        this.settings.logger.warn('Could not give unsettled messages back at close; their leases will expire', { error: error.message }),
      );
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
