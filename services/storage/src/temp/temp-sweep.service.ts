import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { MessagingLogger } from '@leap/messaging';
import { ExclusiveSchedule, type ExclusiveOutcome } from '@leap/persistence';
import { OBJECT_STORE, SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { ObjectStore } from '@leap/storage-client';
import type { StorageConfig } from '../config/config.schema';

/**
 * Removes what unfinished writes left in the store: on local disk, `.partial` files not written
 * to for PARTIAL_MAX_AGE (a writer that crashed between its first byte and its rename). The store
 * is one volume shared by the replicas, so one replica sweeps it per round (`ExclusiveSchedule`,
 * lock `storage.temp-sweep`). The scratch folders of killed jobs in the OS temp folder are swept
 * by the services that make them, each on its own host (`WorkDirSweeper`).
 */
@Injectable()
export class TempSweepService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly schedule: ExclusiveSchedule<{ count: number; bytes: number }>;

  constructor(
    dataSource: DataSource,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: StorageConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {
    this.schedule = new ExclusiveSchedule({
      name: 'storage.temp-sweep',
      dataSource,
      intervalMs: config.TEMP_SWEEP_INTERVAL,
      firstDelayMs: 60_000,
      logger,
      run: () => this.sweep(new Date()),
      onResult: (removed) => {
        if (removed.count > 0) this.logger.info('Removed what unfinished writes left in the store', { ...removed });
      },
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.schedule.stop();
  }

  /** One round as of `now` (specs look ahead with it); `{ ran: false }` while another replica's round holds the lock. */
  runOnce(now: Date = new Date()): Promise<ExclusiveOutcome<{ count: number; bytes: number }>> {
    return this.schedule.runExclusive(() => this.sweep(now));
  }

  private async sweep(now: Date): Promise<{ count: number; bytes: number }> {
    if (!this.store.removeStaleWrites) return { count: 0, bytes: 0 };
    return this.store.removeStaleWrites(new Date(now.getTime() - this.config.PARTIAL_MAX_AGE));
  }
}
