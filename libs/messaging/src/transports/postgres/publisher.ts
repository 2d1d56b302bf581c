import type { WireMessage } from '../../envelope';
import { MessagingConfigurationError } from '../../errors';
import { tierName } from '../../transport';
import type { Connection } from './connection';
import type { Consumers } from './consumers';
import type { Statements } from './sql';
import { route, type TopologyStore } from './topology';

type Headers = WireMessage['headers'];

/**
 * Writes messages as rows: routed through an exchange's bindings, straight onto a queue, or onto
 * a queue after a delay. One statement, committed on its own, inserts a row per target queue and,
 * unless the message is delayed, the NOTIFY that wakes their consumers: when it returns, the
 * message is durably stored, which is what a confirmed publish means.
 */
export class Publisher {
  private unroutable = 0;

  constructor(
    private readonly connection: Pick<Connection, 'db'>,
    private readonly topology: Pick<TopologyStore, 'where' | 'reload' | 'requireQueue'>,
    private readonly consumers: Pick<Consumers, 'wakeWhenDue'>,
    private readonly settings: { sql: Statements; queueChannel: string },
  ) {}

  /** Messages that reached no queue (dropped, as AMQP does without `mandatory`). */
  get unroutableCount(): number {
    return this.unroutable;
  }

  countUnroutable(): void {
    this.unroutable++;
  }

  async publish(exchange: string, routingKey: string, message: WireMessage): Promise<void> {
    let topology = await this.topology.where((t) => t.exchanges.has(exchange));
    for (;;) {
      if (!topology.exchanges.has(exchange)) {
        throw new MessagingConfigurationError(`Cannot publish ${message.type || routingKey}: exchange ${exchange} is not declared`);
      }
      const queues = route(topology, exchange, routingKey);
      // The statement inserts only if the bindings used are still current (a declare in another
      // process may have committed since the cache was loaded); otherwise route again.
      const current = await this.insert(queues, message, exchange, routingKey, 0, null, topology.version);
      if (current === topology.version) {
        if (queues.length === 0) this.unroutable++;
        return;
      }
      topology = await this.topology.reload();
    }
  }

  async sendToQueue(queue: string, message: WireMessage): Promise<void> {
    await this.topology.requireQueue(queue);
    await this.enqueue(queue, message);
  }

  /** Onto `queue` as the AMQP default exchange addresses it, without checking that the queue is declared. */
  async enqueue(queue: string, message: WireMessage): Promise<void> {
    await this.insert([queue], message, '', queue, 0, null);
  }

  async delay(queue: string, delayMs: number, message: WireMessage): Promise<void> {
    await this.topology.requireQueue(queue);
    const ms = Math.max(0, Math.round(delayMs));
    await this.insert([queue], message, '', queue, ms, tierName(ms));
    // Wake this process's consumers when the row comes due; others find it by their poll.
    this.consumers.wakeWhenDue(queue, ms);
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
    const { rows } = await this.connection.db().query<{ version: string }>(this.settings.sql.insert, [
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
      this.settings.queueChannel,
      delayMs === 0,
      topologyVersion,
    ]);
    return rows[0]!.version;
  }
}

function cleanHeaders(headers: Headers | undefined): Headers {
  const out: Headers = {};
  for (const [key, value] of Object.entries(headers ?? {})) if (value !== undefined) out[key] = value;
  return out;
}
