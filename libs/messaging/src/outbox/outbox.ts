import { Client, Pool, type PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';
import type { WireMessage } from '../envelope';
import type { Transport } from '../transport';
import type { MessagingLogger } from '../logger';

export interface OutboxEntry {
  exchange: string;
  routingKey: string;
  /** Ordering key: entries of one aggregate are published in commit order. */
  aggregateId: string;
  message: WireMessage;
}

interface StoredWire {
  messageId: string;
  type: string;
  contentType: string;
  timestamp: number;
  correlationId?: string;
  headers: WireMessage['headers'];
  body: string;
}

export const OUTBOX_CHANNEL = 'leap_outbox';

function assertSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Unsafe schema name: ${schema}`);
  return `"${schema}"`;
}

/** Writes outbox rows inside the caller's transaction; a NOTIFY wakes the relay at commit. */
export class OutboxWriter {
  private readonly table: string;
  constructor(private readonly schema: string) {
    this.table = `${assertSchema(schema)}.outbox`;
  }

  async add(manager: EntityManager, entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('Outbox writes must run inside a transaction (pass the EntityManager of an open transaction)');
    }
    const values: unknown[] = [];
    const rows = entries.map((e, i) => {
      const stored: StoredWire = {
        messageId: e.message.messageId,
        type: e.message.type,
        contentType: e.message.contentType,
        timestamp: e.message.timestamp,
        correlationId: e.message.correlationId,
        headers: e.message.headers,
        body: e.message.body.toString('utf8'),
      };
      values.push(e.message.messageId, e.exchange, e.routingKey, e.aggregateId, JSON.stringify(stored));
      const b = i * 5;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
    });
    await manager.query(`INSERT INTO ${this.table} (id, exchange, routing_key, aggregate_id, message) VALUES ${rows.join(', ')}`, values);
    await manager.query(`SELECT pg_notify($1, $2)`, [OUTBOX_CHANNEL, this.schema]);
  }
}

export interface OutboxRelayOptions {
  /** Connection string of the service's database: the relay LISTENs and claims rows on connections of its own. */
  url: string;
  schema: string;
  transport: Transport;
  logger: MessagingLogger;
  batchSize?: number;
  pollIntervalMs?: number;
  maxAttempts?: number;
  /** Sent rows are deleted after this long; inbox rows likewise. */
  retentionMs?: number;
}

interface ClaimedRow {
  seq: string;
  id: string;
  exchange: string;
  routing_key: string;
  aggregate_id: string;
  message: StoredWire;
  attempts: number;
}

/**
 * Publishes committed outbox rows with publisher confirms. Several relays (one per replica) may
 * run on one schema: rows are claimed with FOR UPDATE SKIP LOCKED, and a row is only taken when
 * no earlier unsent row of its aggregate is held elsewhere or waiting for a retry, so each
 * aggregate's events leave in commit order.
 */
export class OutboxRelay {
  private readonly table: string;
  private listener?: Client;
  /** The relay's own small pool: it must not queue behind the service's transactions that fill the outbox. */
  private readonly pool: Pool;
  private running = false;
  private wake?: () => void;
  /** A NOTIFY arrived while a pass was running: run another pass before waiting. */
  private notified = false;
  private loop?: Promise<void>;
  private lastHousekeeping = 0;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxAttempts: number;
  private readonly retentionMs: number;
  /** Published counters, for metrics and tests. */
  readonly stats = { published: 0, failed: 0, abandoned: 0 };

  constructor(private readonly options: OutboxRelayOptions) {
    this.table = `${assertSchema(options.schema)}.outbox`;
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.retentionMs = options.retentionMs ?? 24 * 3600_000;
    this.pool = new Pool({ connectionString: options.url, max: 2, application_name: `${options.schema}-outbox-relay` });
    this.pool.on('error', () => undefined);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  private listenRetry?: NodeJS.Timeout;

  /** One retry at a time, however many ways the connection reports its end. */
  private scheduleListen(): void {
    if (!this.running || this.listenRetry) return;
    this.listenRetry = setTimeout(() => {
      this.listenRetry = undefined;
      void this.listen();
    }, 1000);
    this.listenRetry.unref();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: `${this.options.schema}-outbox-relay` });
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.listener === client) this.listener = undefined;
      this.scheduleListen();
    });
    client.on('notification', (n) => {
      if (n.payload !== this.options.schema) return;
      this.notified = true;
      this.wake?.();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.listener = client;
      this.wake?.(); // commits made while we were not listening are picked up now
    } catch (error) {
      await client.end().catch(() => undefined);
      this.options.logger.warn('Outbox relay could not LISTEN; polling until it can', { error: (error as Error).message });
      this.scheduleListen();
    }
  }

  /** Stop after the current batch; `flush` first to publish what is committed. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.listenRetry) clearTimeout(this.listenRetry);
    this.listenRetry = undefined;
    this.wake?.();
    await this.loop;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  /** Publish everything that is due now (used at shutdown and by tests). Returns rows published. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const { published, claimed } = await this.publishBatch();
      total += published;
      if (claimed < this.batchSize || published === 0) return total;
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      let claimed = 0;
      this.notified = false;
      try {
        ({ claimed } = await this.publishBatch());
        await this.housekeeping();
      } catch (error) {
        this.options.logger.warn('Outbox relay pass failed', { error: (error as Error).message });
      }
      if (claimed >= this.batchSize || this.notified) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollIntervalMs);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = undefined;
          resolve();
        };
      });
    }
  }

  private async publishBatch(): Promise<{ published: number; claimed: number }> {
    const client: PoolClient = await this.pool.connect();
    // The connection may drop while the client waits on the broker between queries; without a
    // listener that 'error' event would take the process down. The pending query rejects instead.
    const onError = (): void => undefined;
    client.on('error', onError);
    let open = false;
    try {
      await client.query('BEGIN');
      open = true;
      const { rows } = await client.query<ClaimedRow>(
        `WITH batch AS (
           SELECT seq FROM ${this.table}
            WHERE sent_at IS NULL AND abandoned_at IS NULL AND next_attempt_at <= now()
            ORDER BY seq LIMIT $1
            FOR UPDATE SKIP LOCKED)
         SELECT o.seq, o.id, o.exchange, o.routing_key, o.aggregate_id, o.message, o.attempts
           FROM ${this.table} o JOIN batch b ON b.seq = o.seq
          WHERE NOT EXISTS (
            SELECT 1 FROM ${this.table} e
             WHERE e.aggregate_id = o.aggregate_id AND e.seq < o.seq
               AND e.sent_at IS NULL AND e.abandoned_at IS NULL
               AND e.seq NOT IN (SELECT seq FROM batch))
          ORDER BY o.seq`,
        [this.batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        open = false;
        return { published: 0, claimed: 0 };
      }
      const sent: string[] = [];
      const failed: { row: ClaimedRow; error: string }[] = [];
      const blocked = new Set<string>();
      // Publish per aggregate in order; aggregates in parallel. A failure blocks the rest of its aggregate.
      const byAggregate = new Map<string, ClaimedRow[]>();
      for (const row of rows) {
        const list = byAggregate.get(row.aggregate_id) ?? [];
        list.push(row);
        byAggregate.set(row.aggregate_id, list);
      }
      await Promise.all(
        [...byAggregate.values()].map(async (list) => {
          for (const row of list) {
            if (blocked.has(row.aggregate_id)) break;
            try {
              await this.options.transport.publish(row.exchange, row.routing_key, toWire(row.message));
              sent.push(row.seq);
            } catch (error) {
              blocked.add(row.aggregate_id);
              failed.push({ row, error: (error as Error).message });
            }
          }
        }),
      );
      if (sent.length > 0) await client.query(`UPDATE ${this.table} SET sent_at = now(), attempts = attempts + 1 WHERE seq = ANY($1::bigint[])`, [sent]);
      for (const { row, error } of failed) {
        const attempts = row.attempts + 1;
        const abandon = attempts >= this.maxAttempts;
        const backoffMs = Math.min(60_000, 250 * 2 ** Math.min(attempts, 8));
        await client.query(
          `UPDATE ${this.table} SET attempts = $2, last_error = $3,
                  next_attempt_at = now() + ($4::int * interval '1 millisecond'),
                  abandoned_at = CASE WHEN $5::boolean THEN now() ELSE NULL END
            WHERE seq = $1`,
          [row.seq, attempts, error.slice(0, 2000), backoffMs, abandon],
        );
        if (abandon) {
          this.stats.abandoned++;
          this.options.logger.error('Outbox message abandoned after repeated publish failures', {
            messageId: row.id,
            type: row.routing_key,
            attempts,
            error,
          });
        }
      }
      await client.query('COMMIT');
      open = false;
      this.stats.published += sent.length;
      this.stats.failed += failed.length;
      if (failed.length > 0) {
        this.options.logger.warn('Outbox publish failed; will retry', { failed: failed.length, error: failed[0]!.error });
      }
      return { published: sent.length, claimed: rows.length };
    } catch (error) {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', onError);
      client.release();
    }
  }

  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - this.lastHousekeeping < 60_000) return;
    this.lastHousekeeping = now;
    const schema = assertSchema(this.options.schema);
    const ms = this.retentionMs;
    await this.pool.query(`DELETE FROM ${this.table} WHERE sent_at < now() - ($1::int * interval '1 millisecond')`, [ms]);
    await this.pool.query(`DELETE FROM ${schema}.inbox WHERE received_at < now() - ($1::int * interval '1 millisecond') * 7`, [ms]);
  }

  /** Pending (unsent, not abandoned) rows: the outbox lag. */
  async pending(): Promise<number> {
    const { rows } = await this.pool.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE sent_at IS NULL AND abandoned_at IS NULL`);
    return rows[0].n as number;
  }
}

function toWire(stored: StoredWire): WireMessage {
  return {
    messageId: stored.messageId,
    type: stored.type,
    contentType: stored.contentType,
    timestamp: stored.timestamp,
    correlationId: stored.correlationId,
    headers: stored.headers,
    body: Buffer.from(stored.body, 'utf8'),
  };
}
