import type { EntityManager, EntitySubscriberInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';

/** Work to do once the transaction has committed, on its (still held) connection. */
export type AfterCommit = (queryRunner: QueryRunner) => unknown;

interface Pending {
  /** By key, so that many writes of one kind in a transaction do the work once. */
  callbacks: Map<string, { depth: number; run: AfterCommit }>;
}

const PENDING = '__leapAfterCommit';

function depthOf(queryRunner: QueryRunner): number {
  return (queryRunner as unknown as { transactionDepth: number }).transactionDepth;
}

function pendingOf(queryRunner: QueryRunner, create: boolean): Pending | undefined {
  const data = queryRunner.data as Record<string, unknown>;
  let pending = data[PENDING] as Pending | undefined;
  if (!pending && create) {
    pending = { callbacks: new Map() };
    data[PENDING] = pending;
  }
  return pending;
}

class AfterCommitSubscriber implements EntitySubscriberInterface {
  beforeTransactionCommit(event: TransactionCommitEvent): void {
    const depth = depthOf(event.queryRunner);
    if (depth <= 1) return;
    // A savepoint is released: what was registered inside it now belongs to the enclosing level.
    const pending = pendingOf(event.queryRunner, false);
    for (const entry of pending?.callbacks.values() ?? []) if (entry.depth >= depth) entry.depth = depth - 1;
  }

  async afterTransactionCommit(event: TransactionCommitEvent): Promise<void> {
    const queryRunner = event.queryRunner;
    if (queryRunner.isTransactionActive) return; // a savepoint, not the commit
    const pending = pendingOf(queryRunner, false);
    if (!pending || pending.callbacks.size === 0) return;
    const callbacks = [...pending.callbacks.values()];
    pending.callbacks.clear();
    // The transaction is committed whatever happens here: a failing callback must not turn it
    // into an error for the caller. Each callback handles (or deliberately ignores) its failures.
    for (const { run } of callbacks) await Promise.resolve(run(queryRunner)).catch(() => undefined);
  }

  beforeTransactionRollback(event: TransactionRollbackEvent): void {
    const pending = pendingOf(event.queryRunner, false);
    if (!pending) return;
    const depth = depthOf(event.queryRunner);
    for (const [key, entry] of pending.callbacks) if (entry.depth >= depth) pending.callbacks.delete(key);
  }
}

const subscriber = new AfterCommitSubscriber();

/**
 * Runs `run` once the caller's transaction commits, outside it (and not at all if it rolls back,
 * or if the savepoint it was registered in does). Callbacks registered under the same `key` in one
 * transaction run once. For wake-ups and notifications that must not be sent from inside the
 * transaction: a NOTIFY there takes a lock that serialises commits across the whole server.
 */
export function afterCommit(manager: EntityManager, key: string, run: AfterCommit): void {
  const queryRunner = manager.queryRunner;
  if (!queryRunner?.isTransactionActive) throw new Error('afterCommit needs the EntityManager of an open transaction');
  const subscribers = manager.connection.subscribers;
  if (!subscribers.includes(subscriber)) subscribers.push(subscriber);
  const pending = pendingOf(queryRunner, true)!;
  const depth = depthOf(queryRunner);
  const existing = pending.callbacks.get(key);
  pending.callbacks.set(key, { depth: existing ? Math.min(existing.depth, depth) : depth, run });
}
