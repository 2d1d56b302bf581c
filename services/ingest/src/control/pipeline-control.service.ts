import { Inject, Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  PipelineStage,
  StageStatus,
  type DeleteRecordingObjects,
  type PauseRecording,
  type PauseResult,
  type RecordingPaused,
  type RecordingReset,
  type ResetRecording,
  type ResetResult,
  type RerunStage,
  type RerunStageResult,
  type RunRecording,
  type RunResult,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { type MessagingLogger } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { Clock } from '../clock.service';
import type { IngestConfig } from '../config/config.schema';
import { RecordingSourceRepository } from '../download/recording-source.repository';
import { expiryOf, retentionPolicy, type RetentionPolicy } from '../lifecycle/retention';
import type { RecordingEntity } from '../recordings/recording.entity';
import type { RecordingStageEntity } from '../recordings/recording-stage.entity';
import { RecordingRepository } from '../recordings/recording.repository';
import { RERUNNABLE_STAGES, rerunRefusal, runRefusal, stageLabel, stagesToPause, STAGE_NAMES, type ControlRefusal, type StageState } from '../pipeline/pipeline-state';
import { stageName } from '../pipeline/pipeline.consumer';
import { DEFAULT_TARGET, opts, PipelineService, type PipelineTx } from '../pipeline/pipeline.service';
import type { JsonObject } from '../templates/config-layers';
import { RunLayersService } from '../templates/run-layers.service';
import { TemplatesService } from '../templates/templates.service';
import { resetPlan } from './reset-plan';
import { runPlan } from './run-plan';

/** A run as `start` left it, for its plan. */
interface StartedRun {
  result: RunResult;
  recording: RecordingEntity;
  stages: RecordingStageEntity[];
  started: Set<RecordingStageEntity>;
  retried: Set<RecordingStageEntity>;
  /** Each stage's status before the run. */
  statusBefore: Map<RecordingStageEntity, StageState>;
  wasPaused: boolean;
}

/** What each refusal answers the requester (the gateway turns it into problem details). */
const REFUSALS: Record<ControlRefusal, (id: string) => LeapError> = {
  'INGEST.NOTHING_TO_PAUSE': (id) => new LeapError('INGEST.NOTHING_TO_PAUSE', `Recording ${id} has no stage in progress to pause`, { status: 409 }),
  'INGEST.NOT_RUNNABLE': (id) =>
    new LeapError('INGEST.NOT_RUNNABLE', `Recording ${id} cannot run: it has expired or its source has not arrived`, { status: 409 }),
  'INGEST.ALREADY_RUNNING': (id) => new LeapError('INGEST.ALREADY_RUNNING', `Recording ${id} already has a stage in progress`, { status: 409 }),
};

/**
 * The owner's control over a recording's pipeline (inventory 3.6): a hard pause, and a run that
 * resumes from wherever the pipeline stands. Both answer at once; what they change leaves through
 * the outbox in the same transaction.
 */
@Injectable()
export class PipelineControlService {
  private readonly retention: RetentionPolicy;

  constructor(
    private readonly recordings: RecordingRepository,
    private readonly pipeline: PipelineService,
    private readonly clock: Clock,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
    private readonly sources: RecordingSourceRepository,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
    private readonly templates: TemplatesService,
    private readonly runLayers: RunLayersService,
  ) {
    this.retention = retentionPolicy(config);
  }

  /**
   * Stages in progress go back to PENDING (their next start is a new attempt), the recording is
   * flagged paused so nothing starts by itself, the status rolls back, and
   * `ingest.recording.paused.v1` has the worker services cancel the recording's jobs.
   */
  async pause(tx: PipelineTx, query: PauseRecording): Promise<PauseResult> {
    const recording = await this.owned(tx, query.recordingId, query.userId);
    const stages = await this.recordings.stages(tx.manager, recording.id);
    const toPause = stagesToPause(stages);
    if (typeof toPause === 'string') throw REFUSALS[toPause](recording.id);
    toPause.sort((a, b) => STAGE_NAMES.indexOf(a.stage) - STAGE_NAMES.indexOf(b.stage) || a.target.localeCompare(b.target));
    const before = recording.status;
    const now = this.clock.now();
    for (const stage of toPause) {
      stage.status = 'PENDING';
      stage.startedAt = null;
      stage.finishedAt = null;
      stage.errorCode = null;
      stage.errorMessage = null;
      stage.updatedAt = now;
    }
    recording.paused = true;
    await this.pipeline.advance(tx, recording, stages, new Set(toPause), before, recording.failed);
    const labels = toPause.map(stageLabel);
    const paused: RecordingPaused = { recordingId: recording.id, userId: recording.userId, stages: labels, pausedAt: now.toISOString() };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingPaused, paused, opts(recording));
    this.logger.info('Recording paused', { recordingId: recording.id, stages: labels, status: recording.status });
    return { recordingId: recording.id, status: recording.status, paused: true, stages: labels };
  }

  /**
   * Smart resume: clears the pause, turns FAILED stages back to PENDING and lifts the recording's
   * failure (the next start is a new attempt), then starts whatever may start. A recording with
   * nothing left to do (READY) answers with no stage started. The run's own config (`overrides`)
   * is stored first, so the stages it starts already read it. A dry run is the same run in a
   * savepoint rolled back once its plan is read: it answers what the run would do, refusals
   * included, and changes nothing.
   */
  async run(tx: PipelineTx, query: RunRecording): Promise<RunResult> {
    if (!query.dryRun) return (await this.start(tx, query)).result;
    const runner = tx.manager.queryRunner!;
    await runner.startTransaction();
    try {
      const run = await this.start(tx, query);
      const plan = await this.plan(tx, run);
      return { ...run.result, dryRun: true, ...plan };
    } finally {
      // What the run would have published leaves with the savepoint (the outbox follows it).
      if (runner.isTransactionActive) await runner.rollbackTransaction();
    }
  }

  private async start(tx: PipelineTx, query: RunRecording): Promise<StartedRun> {
    const overrides = await this.runLayers.check(tx.manager, query.userId, query.overrides);
    const recording = await this.owned(tx, query.recordingId, query.userId);
    const stages = await this.recordings.stages(tx.manager, recording.id);
    const refusal = runRefusal(recording.status, stages);
    if (refusal) throw REFUSALS[refusal](recording.id);
    // A direct upload whose original a reset deleted has nothing to run on, and nowhere to fetch it from.
    if (!recording.sourceKey && !(await this.sources.find(tx.manager, recording.id))) {
      throw new LeapError('INGEST.NOT_RUNNABLE', `Recording ${recording.id} cannot run: its original was deleted`, { status: 409 });
    }
    await this.runLayers.apply(tx.manager, recording, overrides);
    const before = recording.status;
    const failedBefore = recording.failed;
    const wasPaused = recording.paused;
    const now = this.clock.now();
    const retried = stages.filter((s) => s.status === 'FAILED');
    const statusBefore = new Map(stages.map((s) => [s, s.status]));
    for (const stage of retried) {
      stage.status = 'PENDING';
      stage.finishedAt = null;
      stage.updatedAt = now;
    }
    recording.paused = false;
    recording.failed = false;
    recording.failedStage = null;
    recording.failedTarget = null;
    recording.failureCode = null;
    recording.failureReason = null;
    recording.failedAt = null;
    const started = await this.pipeline.advance(tx, recording, stages, new Set(retried), before, failedBefore);
    // A dry run's start leaves with its savepoint, so it is never counted.
    await this.pipeline.pipelineStarted(tx, recording, started);
    const labels = started.map(stageLabel);
    this.logger.info(query.dryRun ? 'Recording run planned' : 'Recording run', { recordingId: recording.id, started: labels, retried: retried.map(stageLabel), status: recording.status });
    return {
      result: { recordingId: recording.id, status: recording.status, paused: false, stages: labels },
      recording,
      stages,
      started: new Set(started),
      retried: new Set(retried),
      statusBefore,
      wasPaused,
    };
  }

  /** What a run does with each stage (pipeline order), and the effective config it runs with (read inside the run's savepoint). */
  private async plan(tx: PipelineTx, run: StartedRun): Promise<Pick<RunResult, 'plan' | 'effective' | 'sources' | 'layers'>> {
    const config = await this.templates.resolve(tx.manager, { userId: run.recording.userId, recordingId: run.recording.id });
    const processing = ((config.effective as JsonObject | undefined)?.processing ?? {}) as JsonObject;
    const sources = (config.sources ?? {}) as Record<string, string>;
    const plan = runPlan({ ...run, processing, sources });
    return { plan, effective: config.effective, sources: config.sources, layers: config.layers };
  }

  /**
   * Re-runs one stage on its own as a new attempt (see `rerunRefusal` for when it may), with the
   * settings asked for over the effective config's. What the stages after it hold stays: a re-run
   * trim or transcription does not redo the topics, subtitles or uploads that followed it.
   */
  async rerun(tx: PipelineTx, query: RerunStage): Promise<RerunStageResult> {
    const name = stageName(query.stage);
    if (!RERUNNABLE_STAGES.includes(name)) {
      throw new LeapError('INGEST.UNKNOWN_STAGE', `${name} cannot be re-run on its own (${RERUNNABLE_STAGES.join(', ')} can)`, { status: 400 });
    }
    const recording = await this.owned(tx, query.recordingId, query.userId);
    const stages = await this.recordings.stages(tx.manager, recording.id);
    const a = recording.artifacts;
    const refusal = rerunRefusal(name, { status: recording.status, stages, source: recording.sourceKey !== null, media: Boolean(a.audio ?? a.video ?? recording.sourceKey), transcript: Boolean(a.master) });
    const stage = stages.find((s) => s.stage === name);
    if (refusal?.code === 'INGEST.STAGE_NOT_READY' || (!refusal && !stage)) {
      throw new LeapError('INGEST.STAGE_NOT_READY', `Recording ${recording.id} cannot re-run ${name} yet: it needs ${refusal?.missing ?? `a ${name} stage`}`, { status: 409 });
    }
    if (refusal) throw REFUSALS[refusal.code](recording.id);
    const started = await this.pipeline.restartStage(tx, recording, stages, stage!, query.settings ?? {});
    const labels = started.map(stageLabel);
    this.logger.info('Stage re-run', { recordingId: recording.id, stage: name, attempt: stage!.attempt, started: labels, status: recording.status });
    return { recordingId: recording.id, status: recording.status, paused: recording.paused, stages: labels, attempt: stage!.attempt };
  }

  /**
   * Back to the initial state (inventory 3.6): work in progress is cancelled as a pause cancels it
   * (`ingest.recording.paused.v1`), the stages go back to PENDING (see `resetPlan`), artifacts,
   * failure and pipeline times are cleared, the expiry starts again, and the recording waits paused
   * until a run. The template binding and config are kept. With `deleteFiles` the storage service
   * deletes every object under the recording's prefix, the original included.
   */
  async reset(tx: PipelineTx, query: ResetRecording): Promise<ResetResult> {
    const recording = await this.owned(tx, query.recordingId, query.userId);
    const stages = await this.recordings.stages(tx.manager, recording.id);
    const deleteFiles = query.deleteFiles === true;
    const imported = (await this.sources.find(tx.manager, recording.id)) !== null;
    const plan = resetPlan({ status: recording.status, stages, imported, keepSource: !deleteFiles && recording.sourceKey !== null, defaultTarget: DEFAULT_TARGET.id });
    const before = recording.status;
    const failedBefore = recording.failed;
    const now = this.clock.now();
    const cancelled = plan.cancelled.map(stageLabel);
    if (cancelled.length > 0) {
      const paused: RecordingPaused = { recordingId: recording.id, userId: recording.userId, stages: cancelled, pausedAt: now.toISOString() };
      await tx.publish(MESSAGE_TYPES.ingest.RecordingPaused, paused, opts(recording));
    }
    await this.recordings.removeStages(tx.manager, recording.id, plan.dropped);
    await this.runLayers.clear(tx.manager, recording.id);
    const kept = plan.kept.map(({ stage, status }) => {
      if (status !== stage.status || status === 'PENDING') {
        stage.status = status;
        stage.startedAt = null;
        stage.finishedAt = null;
        stage.errorCode = null;
        stage.errorMessage = null;
        stage.details = stage.stage === 'DOWNLOAD' && status === 'SKIPPED' ? stage.details : {};
        stage.updatedAt = now;
      }
      return stage;
    });
    if (deleteFiles) {
      await this.recordings.clearSource(tx.manager, recording.id);
      recording.sourceKey = null;
      const objects: DeleteRecordingObjects = { recordingId: recording.id, userId: recording.userId };
      await tx.send(MESSAGE_TYPES.storage.DeleteRecordingObjects, objects, opts(recording));
    }
    recording.status = plan.status;
    recording.paused = true;
    recording.artifacts = {};
    recording.failed = false;
    recording.failedStage = null;
    recording.failedTarget = null;
    recording.failureCode = null;
    recording.failureReason = null;
    recording.failedAt = null;
    recording.pipelineStartedAt = null;
    recording.pipelineCompletedAt = null;
    recording.expireAt = expiryOf(now, this.retention);
    // The read model forgets the recording's artifacts and publications and takes the stages as
    // listed here, whichever of this and the stage events `advance` publishes it reads first.
    const reset: RecordingReset = {
      recordingId: recording.id,
      userId: recording.userId,
      resetAt: now.toISOString(),
      filesDeleted: deleteFiles,
      expireAt: recording.expireAt.toISOString(),
      stages: kept.map((stage) => ({
        stage: PipelineStage[stage.stage],
        status: StageStatus[stage.status],
        attempt: stage.attempt,
        ...(stage.target ? { target: stage.target } : {}),
      })),
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingReset, reset, opts(recording));
    await this.pipeline.advance(tx, recording, kept, new Set(kept), before, failedBefore);
    this.logger.info('Recording reset', { recordingId: recording.id, cancelled, deleteFiles, status: recording.status });
    return { recordingId: recording.id, status: recording.status, paused: true, cancelled, filesDeleted: deleteFiles };
  }

  /** The recording, locked; 404 for an unknown id, another owner's recording or a deleted one. */
  private async owned(tx: PipelineTx, recordingId: string, userId: string): Promise<RecordingEntity> {
    const recording = await this.recordings.lock(tx.manager, recordingId);
    if (!recording || recording.userId !== userId || recording.deletedAt) {
      throw new LeapError('INGEST.RECORDING_NOT_FOUND', `There is no recording ${recordingId}`, { status: 404 });
    }
    return recording;
  }
}
