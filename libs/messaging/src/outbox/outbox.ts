import { Pool, type PoolClient } from 'pg';
import { PgListener } from '../pg-listener';
import type { EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import type { WireMessage } from '../envelope';
import type { Transport } from '../transport';
import type { MessagingLogger } from '../logger';
import { publishInMessageTrace } from './outbox-tracing';

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

/** Relays running in this process, by schema: a commit that wrote rows wakes them directly. */
const localRelays = new Map<string, Set<OutboxRelay>>();

/** What a transaction has written to the outbox so far (kept on its query runner). */
interface PendingWrites {
  entries: Array<{ schema: string; depth: number; entry: OutboxEntry }>;
  /** Schemas whose rows the commit made visible, for the after-commit wake. */
  committed?: Set<string>;
}

const PENDING = '__leapOutboxPending';

function pendingOf(queryRunner: QueryRunner | undefined, create: boolean): PendingWrites | undefined {
  if (!queryRunner) return undefined;
  const data = queryRunner.data as Record<string, unknown>;
  let pending = data[PENDING] as PendingWrites | undefined;
  if (!pending && create) {
    pending = { entries: [] };
    data[PENDING] = pending;
  }
  return pending;
}

function storedOf(e: OutboxEntry): StoredWire {
  return {
    messageId: e.message.messageId,
    type: e.message.type,
    contentType: e.message.contentType,
    timestamp: e.message.timestamp,
    correlationId: e.message.correlationId,
    headers: e.message.headers,
    body: e.message.body.toString('utf8'),
  };
}

/** One multi-row INSERT for a schema's entries. */
async function insertRows(queryRunner: QueryRunner, schema: string, entries: OutboxEntry[]): Promise<void> {
  const values: unknown[] = [];
  const rows = entries.map((e, i) => {
    values.push(e.message.messageId, e.exchange, e.routingKey, e.aggregateId, JSON.stringify(storedOf(e)));
    const b = i * 5;
    return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}::jsonb)`;
  });
  await queryRunner.query(`INSERT INTO ${assertSchema(schema)}.outbox (id, exchange, routing_key, aggregate_id, message) VALUES ${rows.join(', ')}`, values);
}

/**
 * Writes a transaction's outbox rows when it commits, and wakes the relay after. TypeORM awaits
 * `beforeTransactionCommit` before it sends COMMIT, so the rows commit with the transaction's
 * other changes, in one multi-row INSERT per schema; a rollback (of the transaction or of a
 * savepoint) drops what was written inside it.
 */
class OutboxTransactionSubscriber implements EntitySubscriberInterface {
  async beforeTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const queryRunner = event.queryRunner;
    const pending = pendingOf(queryRunner, false);
    if (!pending || pending.entries.length === 0) return;
    const depth = (queryRunner as unknown as { transactionDepth: number }).transactionDepth;
    if (depth > 1) {
      // A savepoint is released: what was written inside it now belongs to the enclosing level.
      for (const p of pending.entries) if (p.depth >= depth) p.depth = depth - 1;
      return;
    }
    const bySchema = new Map<string, OutboxEntry[]>();
    for (const { schema, entry } of pending.entries) {
      const list = bySchema.get(schema) ?? [];
      list.push(entry);
      bySchema.set(schema, list);
    }
    pending.entries = [];
    for (const [schema, entries] of bySchema) await insertRows(queryRunner, schema, entries);
    pending.committed = new Set(bySchema.keys());
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const queryRunner = event.queryRunner;
    if (queryRunner.isTransactionActive) return; // a savepoint, not the commit
    const pending = pendingOf(queryRunner, false);
    const schemas = pending?.committed;
    if (!schemas) return;
    pending!.committed = undefined;
    for (const schema of schemas) {
      const relays = localRelays.get(schema);
      if (relays && relays.size > 0) {
        for (const relay of relays) relay.wakeUp();
      } else {
        // No relay of this schema in this process: tell the others, outside the transaction.
        await queryRunner.query(`SELECT pg_notify($1, $2)`, [OUTBOX_CHANNEL, schema]).catch(() => undefined);
      }
    }
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    const queryRunner = event.queryRunner;
    const pending = pendingOf(queryRunner, false);
    if (!pending) return;
    const depth = (queryRunner as unknown as { transactionDepth: number }).transactionDepth;
    pending.entries = pending.entries.filter((p) => p.depth < depth);
    pending.committed = undefined;
  }
}

const subscriber = new OutboxTransactionSubscriber();

/**
 * Adds outbox rows to the caller's transaction. They are written in one INSERT when it commits,
 * and the relay is woken right after the commit: in this process directly, elsewhere by a NOTIFY
 * sent outside the transaction (a NOTIFY inside every business transaction would serialise
 * commits across the whole server).
 */
export class OutboxWriter {
  constructor(private readonly schema: string) {
    assertSchema(schema);
  }

  async add(manager: EntityManager, entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) {
      throw new Error('Outbox writes must run inside a transaction (pass the EntityManager of an open transaction)');
    }
    const subscribers = manager.connection.subscribers;
    if (!subscribers.includes(subscriber)) subscribers.push(subscriber);
    const pending = pendingOf(queryRunner, true)!;
    const depth = (queryRunner as unknown as { transactionDepth: number }).transactionDepth;
    for (const entry of entries) pending.entries.push({ schema: this.schema, depth, entry });
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
  /** Wakes the relay on other processes' commits (`NOTIFY leap_outbox, '<schema>'`). */
  private readonly listener: PgListener;
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
    this.listener = new PgListener({
      url: options.url,
      applicationName: `${options.schema}-outbox-relay`,
      channel: OUTBOX_CHANNEL,
      logger: options.logger,
      who: 'Outbox relay',
      onNotification: (payload) => {
        if (payload === options.schema) this.wakeUp();
      },
      // Commits made while nobody listened are picked up now.
      onListening: () => this.wake?.(),
    });
    this.pool.on('error', () => undefined);
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const relays = localRelays.get(this.options.schema) ?? new Set<OutboxRelay>();
    relays.add(this);
    localRelays.set(this.options.schema, relays);
    await this.listener.start();
    this.loop = this.run();
  }

  /** A commit in this process wrote rows: publish them now. */
  wakeUp(): void {
    this.notified = true;
    this.wake?.();
  }

  /** Stop after the current batch; `flush` first to publish what is committed. */
  async stop(): Promise<void> {
    this.running = false;
    localRelays.get(this.options.schema)?.delete(this);
    this.wake?.();
    await this.loop;
    await this.listener.stop();
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
      const pipelined = this.options.transport.ordersPipelinedPublishes;
      await Promise.all(
        [...byAggregate.values()].map(async (list) => {
          if (pipelined) {
            // One aggregate's messages go out back to back on the confirm channel, in order, and
            // their confirms are awaited together: a command no longer waits for the confirms of
            // the events its transaction wrote before it. When one fails, it and every later
            // message of the aggregate stay unsent (a later one that did reach the broker goes
            // again, and the inbox drops the duplicate), so the aggregate's order holds.
            // Each publish starts synchronously (span, then the channel write), so they leave in order.
            const results = await Promise.allSettled(list.map((row) => publishInMessageTrace(this.options.transport, row.exchange, row.routing_key, toWire(row.message))));
            const firstFailure = results.findIndex((r) => r.status === 'rejected');
            const upTo = firstFailure === -1 ? list.length : firstFailure;
            for (let i = 0; i < upTo; i++) sent.push(list[i]!.seq);
            if (firstFailure !== -1) {
              blocked.add(list[0]!.aggregate_id);
              const reason = (results[firstFailure] as PromiseRejectedResult).reason as Error;
              for (let i = firstFailure; i < list.length; i++) failed.push({ row: list[i]!, error: reason?.message ?? String(reason) });
            }
            return;
          }
          for (const row of list) {
            if (blocked.has(row.aggregate_id)) break;
            try {
              await publishInMessageTrace(this.options.transport, row.exchange, row.routing_key, toWire(row.message));
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
