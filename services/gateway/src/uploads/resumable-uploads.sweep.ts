import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { readdir, stat, unlink } from 'node:fs/promises';
import type { Logger } from 'winston';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { ResumableUploadsRepository } from './resumable-uploads.repository';
import { ResumableUploadsService } from './resumable-uploads.service';

/** Rows handled per query, so a large backlog is taken in steps. */
const BATCH = 100;

/** The first sweep runs this long after start-up (or after one interval, when that is shorter). */
const FIRST_SWEEP_DELAY_MS = 10_000;

const UUID_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What one sweep did. */
export interface UploadSweepOutcome {
  /** Unfinished uploads past their expiry, removed with their bytes (their quota given back). */
  expired: number;
  /** Finished uploads whose row had served its purpose. */
  forgotten: number;
  /** Uploads whose bytes had all arrived but were not yet a recording (the gateway stopped in between). */
  finished: number;
  /** Files in the upload folder that no upload owns any more. */
  strays: number;
}

type SweepConfig = Pick<GatewayConfig, 'UPLOAD_RESUMABLE_SWEEP_INTERVAL' | 'UPLOAD_RESUMABLE_EXPIRY'>;

/**
 * Every UPLOAD_RESUMABLE_SWEEP_INTERVAL: removes resumable uploads past their expiry (bytes, row,
 * quota reservation), finishes uploads whose bytes are complete but that never became a recording,
 * and removes files of the upload folder that no upload owns. Replicas may sweep at the same time:
 * each step is safe to repeat, and only the replica that deletes a row gives its quota back.
 */
@Injectable()
export class ResumableUploadsSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private running?: Promise<unknown>;

  constructor(
    private readonly uploads: ResumableUploadsRepository,
    private readonly service: ResumableUploadsService,
    @Inject(SERVICE_CONFIG) private readonly config: SweepConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.UPLOAD_RESUMABLE_SWEEP_INTERVAL;
    if (interval > 0) this.schedule(Math.min(FIRST_SWEEP_DELAY_MS, interval));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      const run = this.sweep()
        .then((outcome) => {
          if (Object.values(outcome).some((n) => n > 0)) this.logger.info('Resumable upload sweep', { ...outcome });
        })
        .catch((error: Error) => this.logger.warn(`Resumable upload sweep failed; the next one tries again: ${error.message}`))
        .finally(() => {
          if (!this.stopping) this.schedule(this.config.UPLOAD_RESUMABLE_SWEEP_INTERVAL);
        });
      this.running = run;
    }, delayMs);
    this.timer.unref();
  }

  /** One sweep as of `now`. */
  async sweep(now: Date = new Date()): Promise<UploadSweepOutcome> {
    const outcome: UploadSweepOutcome = { expired: 0, forgotten: 0, finished: 0, strays: 0 };
    for (let rows = await this.uploads.expired(now, BATCH); rows.length > 0 && !this.stopping; rows = await this.uploads.expired(now, BATCH)) {
      for (const row of rows) {
        await this.service.discard(row, 'upload expired');
        if (row.state === 'RECEIVING') outcome.expired += 1;
        else outcome.forgotten += 1;
      }
    }
    for (const row of await this.uploads.receiving(now, BATCH)) {
      if (this.stopping) break;
      if ((await this.service.bytesOnDisk(row.id)) !== row.sizeBytes) continue;
      try {
        await this.service.finish(row.id);
        outcome.finished += 1;
      } catch (error) {
        this.logger.warn(`Resumable upload ${row.id} is complete but could not be finished: ${(error as Error).message}`);
      }
    }
    outcome.strays = await this.removeStrays(now);
    return outcome;
  }

  /** Files named like an upload that has no row, untouched for a whole expiry period. */
  private async removeStrays(now: Date): Promise<number> {
    let names: string[];
    try {
      names = (await readdir(this.service.directory)).filter((name) => UUID_NAME.test(name));
    } catch {
      return 0;
    }
    let removed = 0;
    for (let i = 0; i < names.length && !this.stopping; i += BATCH) {
      const batch = names.slice(i, i + BATCH);
      const owned = await this.uploads.existing(batch);
      for (const name of batch.filter((n) => !owned.has(n))) {
        const path = this.service.pathOf(name);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile() || now.getTime() - info.mtimeMs < this.config.UPLOAD_RESUMABLE_EXPIRY) continue;
        if (await unlink(path).then(() => true, () => false)) removed += 1;
      }
    }
    return removed;
  }
}
