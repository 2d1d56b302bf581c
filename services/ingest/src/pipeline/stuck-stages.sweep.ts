import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { MessageBus, type MessagingLogger, type UntypedMessages } from '@leap/messaging';
import { ExclusiveSchedule, type ExclusiveOutcome } from '@leap/persistence';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { Clock } from '../clock.service';
import type { IngestConfig } from '../config/config.schema';
import { RecordingRepository } from '../recordings/recording.repository';
import { PipelineService, type PipelineTx } from './pipeline.service';
import { stageLabel } from './pipeline-state';

const BATCH = 100;

/**
 * The stuck-work sweep. A stage stays IN_PROGRESS until its worker's result event arrives; the
 * worker's job retries, survives a lost replica through its lease, and reports a failure when it
 * gives up, so a stage in progress far past STUCK_STAGE_AFTER has lost its way (its command or its
 * result was parked after the retries, or its service is gone). The sweep fails such a stage with
 * `INGEST.STAGE_STUCK` (retryable): the owner sees the failure and `run` retries it as a new
 * attempt. It does not requeue by itself: what parked the message once would likely park it
 * again, and an operator replaying a parked result later still completes the stage (a success for
 * a FAILED stage is taken). One replica at a time (`ExclusiveSchedule`, lock `ingest.stuck-stages`).
 */
@Injectable()
export class StuckStagesSweep implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly schedule: ExclusiveSchedule<number>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly bus: MessageBus<UntypedMessages>,
    private readonly recordings: RecordingRepository,
    private readonly pipeline: PipelineService,
    private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: IngestConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {
    this.schedule = new ExclusiveSchedule({
      name: 'ingest.stuck-stages',
      dataSource,
      intervalMs: config.STUCK_SWEEP_INTERVAL,
      logger,
      run: (stopping) => this.round(this.clock.now(), stopping),
    });
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.schedule.stop();
  }

  /** One round as of the clock; answers how many stages it failed, or `{ ran: false }` while another replica's round holds the lock. */
  sweep(): Promise<ExclusiveOutcome<number>> {
    return this.schedule.runExclusive((stopping) => this.round(this.clock.now(), stopping));
  }

  private async round(now: Date, stopping: () => boolean): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.STUCK_STAGE_AFTER);
    let failed = 0;
    for (;;) {
      const ids = await this.recordings.withStuckStages(this.dataSource.manager, cutoff, BATCH);
      let applied = 0;
      for (const id of ids) {
        if (stopping()) return failed;
        applied += await this.dataSource.transaction((manager) => this.failStuck(this.outbox(manager), id, cutoff));
      }
      failed += applied;
      if (ids.length < BATCH || applied === 0) return failed;
    }
  }

  /** Fails the recording's stages still in progress since before `cutoff` (checked again under its lock). */
  private async failStuck(tx: PipelineTx, recordingId: string, cutoff: Date): Promise<number> {
    const recording = await this.recordings.lock(tx.manager, recordingId);
    if (!recording || recording.deleteState) return 0;
    const stuck = (await this.recordings.stages(tx.manager, recordingId)).filter((s) => s.status === 'IN_PROGRESS' && s.startedAt && s.startedAt <= cutoff);
    for (const stage of stuck) {
      const since = stage.startedAt!.toISOString();
      this.logger.warn('A stage in progress for too long is failed as stuck', { recordingId, stage: stageLabel(stage), since });
      await this.pipeline.failStage(
        tx,
        { recordingId, userId: recording.userId, stage: stage.stage, target: stage.target || undefined },
        { code: 'INGEST.STAGE_STUCK', message: `No result for ${stageLabel(stage)} since ${since}`, retryable: true },
      );
    }
    return stuck.length;
  }

  private outbox(manager: EntityManager): PipelineTx {
    return {
      manager,
      publish: (type, data, options) => this.bus.publish(manager, type, data as never, options),
      send: (type, data, options) => this.bus.send(manager, type, data as never, options),
    };
  }
}
