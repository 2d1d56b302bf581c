import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { Clock } from '../clock.service';
import type { IngestConfig } from '../config/config.schema';
import { AutomationRepository } from './automation.repository';
import { AutomationService } from './automation.service';

/** Due jobs looked up per poll. */
const BATCH = 100;

/**
 * Fires automation jobs on their schedules. Every replica polls (AUTOMATION_POLL_INTERVAL) for
 * active jobs whose `next_run_at` has come and fires each through the due-time claim, so several
 * replicas share the work and a due time still fires once; there is no lock to hold and no
 * leader to lose. The schedule lives in the database, so it survives restarts, and a fire missed
 * while no replica ran is found by the first poll after start and fires once.
 */
@Injectable()
export class AutomationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly jobs: AutomationRepository,
    private readonly automation: AutomationService,
    private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: IngestConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.AUTOMATION_POLL_INTERVAL > 0) this.schedule(0);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.round = this.poll();
      void this.round
        .catch((error: unknown) => this.logger.error('automation poll failed', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          if (!this.stopped) this.schedule(this.config.AUTOMATION_POLL_INTERVAL);
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One poll as of the clock's now: fires every due job this replica wins, and says how many. */
  async poll(): Promise<number> {
    let fired = 0;
    for (;;) {
      const now = this.clock.now();
      const due = await this.jobs.due(now, BATCH);
      let won = 0;
      for (const job of due) {
        if (this.stopped) return fired;
        const runId = await this.automation.fire(job.id, job.nextRunAt, now);
        if (runId) {
          won += 1;
          this.logger.info(`automation job ${job.id} fired`, { jobId: job.id, runId, dueAt: new Date(job.nextRunAt).toISOString(), userId: job.userId });
        }
      }
      fired += won;
      // A short batch is the last; a batch all taken by other replicas would come back the same.
      if (due.length < BATCH || won === 0) return fired;
    }
  }
}
