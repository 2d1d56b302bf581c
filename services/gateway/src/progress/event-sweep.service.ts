import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'winston';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { EventLog } from './event-log.repository';

/** Events deleted per statement. */
const BATCH = 5000;

/**
 * Deletes progress events older than EVENTS_RETENTION every EVENTS_SWEEP_INTERVAL, in batches.
 * Replicas may sweep at the same time: each batch skips the rows another one is deleting.
 */
@Injectable()
export class EventSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    private readonly log: EventLog,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'EVENTS_RETENTION' | 'EVENTS_SWEEP_INTERVAL'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.EVENTS_SWEEP_INTERVAL > 0) this.schedule();
  }

  onModuleDestroy(): void {
    this.stopping = true;
    clearTimeout(this.timer);
  }

  /** One sweep as of `now`: answers how many events went. */
  async sweep(now: Date = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.EVENTS_RETENTION);
    let total = 0;
    for (let count = BATCH; count === BATCH && !this.stopping; total += count) count = await this.log.sweep(cutoff, BATCH);
    return total;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.sweep()
        .then((deleted) => deleted > 0 && this.logger.info('Event sweep deleted old progress events', { deleted }))
        .catch((error: Error) => this.logger.warn(`Event sweep failed; the next one tries again: ${error.message}`))
        .finally(() => {
          if (!this.stopping) this.schedule();
        });
    }, this.config.EVENTS_SWEEP_INTERVAL);
    this.timer.unref();
  }
}
