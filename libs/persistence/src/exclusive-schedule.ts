import { createHash } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';

/** What one round did: its result, or nothing because another replica held the lock. */
export type ExclusiveOutcome<T> = { ran: true; result: T } | { ran: false };

/** Where a schedule reports what went wrong (a winston logger fits). */
export interface ScheduleLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

export interface ExclusiveScheduleOptions<T> {
  /** Names the work and its lock, e.g. `ingest.retention`; the same name is the same lock on every replica. */
  name: string;
  dataSource: DataSource;
  /** Time between rounds; 0 runs no round by itself (`runOnce` still works). */
  intervalMs: number;
  /** Delay of the first round after `start()`; at most one interval. */
  firstDelayMs?: number;
  logger: ScheduleLogger;
  /** The round. It runs with the lock held and may open transactions of its own; `stopping()` turns true on shutdown. */
  run(stopping: () => boolean): Promise<T>;
  /** Told what a round did, when it ran. */
  onResult?(result: T): void;
}

/** The bigint key of a session advisory lock named `name`, the same on every replica. */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Runs a piece of maintenance every interval on one replica at a time. Each round first takes a
 * session-level PostgreSQL advisory lock (`pg_try_advisory_lock`) on a connection of its own; a
 * replica that does not get it skips the round, so however many replicas run the schedule, a
 * round runs once. The lock lives as long as that connection: a replica that dies mid-round
 * frees it with its connection. Failures are logged and the next round tries again.
 */
export class ExclusiveSchedule<T> {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly lockKey: string;

  constructor(private readonly options: ExclusiveScheduleOptions<T>) {
    this.lockKey = advisoryLockKey(options.name);
  }

  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.schedule(Math.min(this.options.firstDelayMs ?? this.options.intervalMs, this.options.intervalMs));
  }

  /** Stops the timer and waits for a round under way (which sees `stopping()` turn true). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One round now, unless another replica (or this one) holds the lock. Errors are thrown. */
  runOnce(): Promise<ExclusiveOutcome<T>> {
    return this.runExclusive((stopping) => this.options.run(stopping));
  }

  /** Other work under the same lock (a round with its own parameters, an operator's request): it never overlaps a round. */
  runExclusive<R>(work: (stopping: () => boolean) => Promise<R>): Promise<ExclusiveOutcome<R>> {
    const running = this.locked(work);
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running)).catch(() => undefined);
    return running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.runOnce()
        .then((outcome) => {
          if (outcome.ran) this.options.onResult?.(outcome.result);
        })
        .catch((error: Error) => this.options.logger.warn(`${this.options.name} failed; the next round tries again: ${error.message}`))
        .finally(() => {
          if (!this.stopped) this.schedule(this.options.intervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }

  private async locked<R>(work: (stopping: () => boolean) => Promise<R>): Promise<ExclusiveOutcome<R>> {
    const runner = this.options.dataSource.createQueryRunner();
    let unlocked = true;
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1::bigint) AS locked`, [this.lockKey])) as { locked: boolean }[];
      if (!locked) return { ran: false };
      unlocked = false;
      try {
        return { ran: true, result: await work(() => this.stopped) };
      } finally {
        unlocked = await runner.query(`SELECT pg_advisory_unlock($1::bigint)`, [this.lockKey]).then(
          () => true,
          () => false,
        );
      }
    } finally {
      await release(runner, unlocked);
    }
  }
}

/** Gives the connection back; one that may still hold the lock (its unlock failed) is closed instead, which ends the lock. */
async function release(runner: QueryRunner, unlocked: boolean): Promise<void> {
  if (unlocked) return runner.release();
  const postgres = runner as QueryRunner & { releasePostgresConnection?: (error: Error) => Promise<void> };
  if (postgres.releasePostgresConnection) return postgres.releasePostgresConnection(new Error('advisory unlock failed'));
  return runner.release();
}
