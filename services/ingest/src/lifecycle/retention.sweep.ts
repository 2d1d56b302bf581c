import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { MessageBus, type MessagingLogger, type UntypedMessages } from '@leap/messaging';
import { ExclusiveSchedule, type ExclusiveOutcome } from '@leap/persistence';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { Clock } from '../clock.service';
import type { IngestConfig } from '../config/config.schema';
import type { PipelineTx } from '../pipeline/pipeline.service';
import { RecordingRepository } from '../recordings/recording.repository';
import { LifecycleService } from './lifecycle.service';

/** Recordings looked up per query; each is then handled in a transaction of its own. */
const BATCH = 100;

/** What one round did. */
export interface RetentionRound {
  expired: number;
  purged: number;
  hardDeleted: number;
}

/**
 * Moves recordings along their lifecycle on a schedule (RETENTION_SWEEP_INTERVAL): live ones past
 * their expiry are soft-deleted (EXPIRED), deleted ones past their restore window are purged,
 * purged ones past their hard delete go. One replica at a time (a session advisory lock,
 * `ExclusiveSchedule`), and every step locks and re-checks its recording, so a step that two
 * rounds both saw happens once.
 */
@Injectable()
export class RetentionSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly schedule: ExclusiveSchedule<RetentionRound>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: MessageBus<UntypedMessages>,
    private readonly recordings: RecordingRepository,
    private readonly lifecycle: LifecycleService,
    private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {
    this.schedule = new ExclusiveSchedule({
      name: 'ingest.retention',
      dataSource,
      intervalMs: config.RETENTION_SWEEP_INTERVAL,
      firstDelayMs: 10_000,
      logger,
      run: (stopping) => this.round(this.clock.now(), stopping),
      onResult: (round) => {
        if (round.expired + round.purged + round.hardDeleted > 0) this.logger.info('Retention sweep moved recordings along', { ...round });
      },
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.schedule.stop();
  }

  /** One round as of `now` (tests look ahead with it); `{ ran: false }` when another replica's round holds the lock. */
  sweep(now: Date = this.clock.now()): Promise<ExclusiveOutcome<RetentionRound>> {
    return this.schedule.runExclusive((stopping) => this.round(now, stopping));
  }

  private async round(now: Date, stopping: () => boolean): Promise<RetentionRound> {
    return {
      expired: await this.step('expire', now, stopping, (tx, id) => this.lifecycle.expire(tx, id, now)),
      purged: await this.step('purge', now, stopping, (tx, id) => this.lifecycle.purge(tx, id, now)),
      hardDeleted: await this.step('hard-delete', now, stopping, (tx, id) => this.lifecycle.hardDelete(tx, id, now)),
    };
  }

  private async step(
    step: 'expire' | 'purge' | 'hard-delete',
    now: Date,
    stopping: () => boolean,
    apply: (tx: PipelineTx, id: string) => Promise<boolean>,
  ): Promise<number> {
    let done = 0;
    for (;;) {
      if (stopping()) return done;
      const ids = await this.recordings.due(this.dataSource.manager, step, now, BATCH);
      let applied = 0;
      for (const id of ids) {
        if (stopping()) return done;
        if (await this.dataSource.transaction((manager) => apply(this.outbox(manager), id))) applied += 1;
      }
      done += applied;
      // A short batch is the last; a batch in which nothing applied would only come back the same.
      if (ids.length < BATCH || applied === 0) return done;
    }
  }

  /** The pipeline's view of a transaction of our own: its manager and the outbox. */
  private outbox(manager: EntityManager): PipelineTx {
    return {
      manager,
      publish: (type, data, options) => this.bus.publish(manager, type, data as never, options),
      send: (type, data, options) => this.bus.send(manager, type, data as never, options),
    };
  }
}
