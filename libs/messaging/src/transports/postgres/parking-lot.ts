import type { WireMessage } from '../../envelope';
import type { ParkedMessage } from '../../transport';
import type { Connection } from './connection';
import { toWire, type MessageRow } from './message-row';
import type { Statements } from './sql';
import type { TopologyStore } from './topology';

/**
 * Operators' view of the parking queues (`<queue>.error`, `<queue>.dlq`): browse without removing,
 * count, and drain for replay. A drained row is deleted in the transaction that held it locked
 * while the caller replayed it, so an interrupted replay loses nothing.
 */
export class ParkingLot {
  constructor(
    private readonly connection: Pick<Connection, 'db' | 'withClient'>,
    private readonly topology: Pick<TopologyStore, 'ready'>,
    private readonly sql: Statements,
  ) {}

  async browse(queue: string, limit: number): Promise<ParkedMessage[]> {
    await this.topology.ready();
    const { rows } = await this.connection.db().query<MessageRow>(this.sql.browse, [queue, Math.max(0, Math.floor(limit))]);
    return rows.map((row) => ({ handle: row.id, message: toWire(row) }));
  }

  async drain(queue: string, filter: { messageIds?: string[]; limit?: number }, onEach: (message: WireMessage) => Promise<void>): Promise<number> {
    await this.topology.ready();
    const limit = filter.limit ?? Number.MAX_SAFE_INTEGER;
    const ids = filter.messageIds ?? null;
    if (ids && ids.length === 0) return 0;
    let lastId = '0';
    let taken = 0;
    await this.connection.withClient(async (client) => {
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
    });
    return taken;
  }

  async depth(queue: string): Promise<number> {
    await this.topology.ready();
    const { rows } = await this.connection.db().query<{ n: number }>(this.sql.depth, [queue]);
    return rows[0]?.n ?? 0;
  }

  /** Every consumer queue declared (the `main` rows of `queues`): what operators look through. */
  async queues(): Promise<string[]> {
    await this.topology.ready();
    const { rows } = await this.connection.db().query<{ name: string }>(this.sql.mainQueues);
    return rows.map((row) => row.name);
  }
}
