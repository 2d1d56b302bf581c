import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { MessagingLogger } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { QuotaConfig } from '../config/config.schema';
import { AdmissionService } from './admission.service';

/** Releases reservations nobody committed, every QUOTA_RESERVATION_SWEEP_INTERVAL. */
@Injectable()
export class ReservationSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly admission: AdmissionService,
    @Inject(SERVICE_CONFIG) private readonly config: QuotaConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.sweep().finally(() => (this.running = undefined));
    }, this.config.QUOTA_RESERVATION_SWEEP_INTERVAL);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async sweep(): Promise<void> {
    try {
      const released = await this.admission.expireStale();
      if (released > 0) this.logger.info('Expired reservations released', { released });
    } catch (error) {
      this.logger.warn('Reservation sweep failed; the next one tries again', { error: (error as Error).message });
    }
  }
}
