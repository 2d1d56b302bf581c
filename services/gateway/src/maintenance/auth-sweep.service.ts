import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, type QueryRunner } from 'typeorm';
import type { Logger } from 'winston';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { batchDeleteSql, SWEEP_RULES, type SweepCutoffs, type SweptTable } from './sweep-rules';

/** Key of the session-level advisory lock that lets one gateway replica sweep at a time. */
export const AUTH_SWEEP_LOCK_KEY = createHash('sha256').update('gateway.auth-sweep').digest().readBigInt64BE(0).toString();

/** Rows deleted per statement, so a large backlog never holds many row locks for long. */
export const SWEEP_BATCH_SIZE = 1000;

/** The first sweep runs this long after start-up (or after one interval, when that is shorter). */
const FIRST_SWEEP_DELAY_MS = 10_000;

/** Mail cooldowns are kept at least this long, whatever MAIL_RESEND_COOLDOWN is. */
const MIN_MAIL_THROTTLE_KEEP_MS = 86_400_000;

/** What one sweep did: rows deleted per table, or nothing because another replica holds the lock. */
export type SweepOutcome = { swept: true; deleted: Record<SweptTable, number> } | { swept: false };

type SweepConfig = Pick<GatewayConfig, 'AUTH_SWEEP_INTERVAL' | 'AUTH_SWEEP_RETENTION' | 'MAIL_RESEND_COOLDOWN'>;

/**
 * Deletes identity rows that have served their purpose (see `SWEEP_RULES`) every
 * AUTH_SWEEP_INTERVAL, in batches. Replicas take turns through a Postgres advisory lock: the one
 * that does not get it skips that round. Failures are logged and retried next round.
 */
@Injectable()
export class AuthSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: SweepConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** Whether sweeps run on a timer (AUTH_SWEEP_INTERVAL above zero). */
  get scheduled(): boolean {
    return this.config.AUTH_SWEEP_INTERVAL > 0;
  }

  onApplicationBootstrap(): void {
    if (this.scheduled) this.schedule(Math.min(FIRST_SWEEP_DELAY_MS, this.config.AUTH_SWEEP_INTERVAL));
  }

  /** Stops the timer and waits for a sweep under way, which stops after its current batch. */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * One sweep as of `now` (the database clock is not used, so tests can look ahead). Answers
   * `{ swept: false }` when another sweep holds the lock; database errors are thrown.
   */
  sweep(now: Date = new Date()): Promise<SweepOutcome> {
    const running = this.sweepLocked(now);
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running)).catch(() => undefined);
    return running;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.sweep()
        .then((outcome) => this.report(outcome))
        .catch((error: Error) => this.logger.warn(`Auth sweep failed; the next one tries again: ${error.message}`))
        .finally(() => {
          if (!this.stopping) this.schedule(this.config.AUTH_SWEEP_INTERVAL);
        });
    }, delayMs);
    this.timer.unref();
  }

  private report(outcome: SweepOutcome): void {
    if (!outcome.swept) return;
    const total = Object.values(outcome.deleted).reduce((sum, count) => sum + count, 0);
    if (total > 0) this.logger.info('Auth sweep deleted ended rows', { deleted: outcome.deleted });
  }

  /** Holds the advisory lock on a connection of its own while the batches run on it, each committed on its own. */
  private async sweepLocked(now: Date): Promise<SweepOutcome> {
    const runner = this.dataSource.createQueryRunner();
    let unlocked = true;
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1::bigint) AS locked`, [AUTH_SWEEP_LOCK_KEY])) as { locked: boolean }[];
      if (!locked) return { swept: false };
      unlocked = false;
      try {
        return { swept: true, deleted: await this.deleteEnded(runner, this.cutoffs(now)) };
      } finally {
        unlocked = await runner.query(`SELECT pg_advisory_unlock($1::bigint)`, [AUTH_SWEEP_LOCK_KEY]).then(
          () => true,
          () => false,
        );
      }
    } finally {
      await releaseRunner(runner, unlocked);
    }
  }

  private async deleteEnded(runner: QueryRunner, cutoffs: SweepCutoffs): Promise<Record<SweptTable, number>> {
    const deleted = Object.fromEntries(SWEEP_RULES.map((rule) => [rule.table, 0])) as Record<SweptTable, number>;
    for (const rule of SWEEP_RULES) {
      const sql = batchDeleteSql(rule);
      const params = [SWEEP_BATCH_SIZE, ...rule.params(cutoffs)];
      for (let count = SWEEP_BATCH_SIZE; count === SWEEP_BATCH_SIZE && !this.stopping; ) {
        count = (await runner.query(sql, params, true)).affected ?? 0;
        deleted[rule.table] += count;
      }
    }
    return deleted;
  }

  private cutoffs(now: Date): SweepCutoffs {
    const mailKeepMs = Math.max(this.config.MAIL_RESEND_COOLDOWN, MIN_MAIL_THROTTLE_KEEP_MS);
    return {
      now,
      retainedSince: new Date(now.getTime() - this.config.AUTH_SWEEP_RETENTION),
      mailCooldownSince: new Date(now.getTime() - mailKeepMs),
    };
  }
}

/**
 * Gives the connection back to the pool; one that may still hold the lock (its unlock failed) is
 * closed instead, which ends the lock with it.
 */
async function releaseRunner(runner: QueryRunner, unlocked: boolean): Promise<void> {
  if (unlocked) return runner.release();
  const postgres = runner as QueryRunner & { releasePostgresConnection?: (error: Error) => Promise<void> };
  if (postgres.releasePostgresConnection) return postgres.releasePostgresConnection(new Error('advisory unlock failed'));
  return runner.release();
}
