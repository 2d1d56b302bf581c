import { Inject, Injectable } from '@nestjs/common';
import {
  DownloadMethod,
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  Platform,
  RecordingStatus,
  SourceType,
  StageStatus,
  type DownloadRecording,
  type ExtractTopics,
  type Failure,
  type GenerateSubtitles,
  type ObjectRef,
  type PipelineStarted,
  type PublishRecording,
  type RecordingRegistered,
  type RecordingStatusChanged,
  type RegisterUploadedRecording,
  type StageRerunSettings,
  type StageStatusChanged,
  type TranscribeRecording,
  type TrimRecording,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, newMessageId, type MessagingLogger } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { storageKeys } from '@leap/storage-client';
import { Clock } from '../clock.service';
import type { IngestConfig } from '../config/config.schema';
import { RecordingSourceEntity } from '../download/recording-source.entity';
import { RecordingSourceRepository } from '../download/recording-source.repository';
import { TemplatesService } from '../templates/templates.service';
import { expiryOf, retentionPolicy, type RetentionPolicy } from '../lifecycle/retention';
import type { OutputPresetRef, RecordingArtifacts, RecordingEntity } from '../recordings/recording.entity';
import { RecordingStageEntity } from '../recordings/recording-stage.entity';
import { RecordingRepository, type Transaction } from '../recordings/recording.repository';
import {
  acceptsResult,
  deriveStatus,
  isPipelineComplete,
  PROCESSING_STAGES,
  STAGE_NAMES,
  stageLabel,
  stagesToStart,
  type RecordingState,
  type StageName,
} from './pipeline-state';
import { outputConfig, outputPresetsOf, presetTargetId, PRESET_PLATFORMS } from './output-config';
import { ProcessingHolds } from './processing-holds';
import { allowsFailure, skipReason, subtitleRerunFormats, subtitleSettings, topicRerunSettings, topicSettings, transcribeSettings, trimSettings } from './stage-settings';
import type { JsonObject } from '../templates/config-layers';

/** The config value that lets a transcription-family failure through (stage-settings.ts allowsFailure). */
const ALLOW_ERRORS = 'processing.transcription.allowErrors';

/** What a handler gives the pipeline: its transaction and its outbox (a `MessageContext` fits). */
export interface PipelineTx {
  manager: Transaction;
  publish(type: string, data: unknown, options?: { subject?: string; tenant?: string }): Promise<void>;
  send(type: string, data: unknown, options?: { subject?: string; tenant?: string }): Promise<void>;
}

/** Which stage (and, for UPLOAD, which target) a result event is about. */
export interface StageRef {
  recordingId: string;
  userId: string;
  stage: StageName;
  target?: string;
}

/** The error of an output target whose preset the owner cannot publish with (checked when the uploads are planned). */
export const PRESET_INVALID = 'INGEST.PRESET_INVALID';

/** The output target every recording gets (the local export), beside one per output preset (`outputConfig`). */
export const DEFAULT_TARGET = { id: 'local', platform: Platform.LOCAL } as const;

/**
 * The pipeline process manager: registers recordings, starts each stage by sending its command,
 * advances on the result events, and publishes every stage and status change.
 */
@Injectable()
export class PipelineService {
  private readonly retention: RetentionPolicy;
  private readonly presetLookupTimeout: number;

  constructor(
    private readonly recordings: RecordingRepository,
    private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
    private readonly sources: RecordingSourceRepository,
    private readonly templates: TemplatesService,
    private readonly bus: MessageBus,
    private readonly holds: ProcessingHolds,
  ) {
    this.retention = retentionPolicy(config);
    this.presetLookupTimeout = config.PRESET_LOOKUP_TIMEOUT;
  }

  /**
   * A held recording's source became ready (a Zoom recording finished processing): it becomes
   * INITIALIZED with where to fetch it now, and with `autoRun` its download starts.
   */
  async sourceReady(tx: PipelineTx, recordingId: string, autoRun: boolean): Promise<void> {
    const recording = await this.recordings.lock(tx.manager, recordingId);
    if (!recording || recording.status !== 'PENDING_SOURCE' || recording.deletedAt) return;
    const stages = await this.recordings.stages(tx.manager, recording.id);
    const now = this.clock.now();
    recording.status = 'INITIALIZED';
    const run = autoRun && !(await this.heldOverQuota(tx, recording.id, recording.userId));
    recording.paused = !run;
    if (run) recording.pipelineStartedAt = now;
    await this.pipelineStarted(tx, recording, await this.advance(tx, recording, stages, new Set(), 'PENDING_SOURCE', recording.failed));
  }

  /**
   * A recording whose original is still to be fetched (a URL, a playlist entry): created
   * INITIALIZED with where to fetch it from, its DOWNLOAD stage PENDING, and, with `autoRun`, the
   * download started at once. Answers false when the id exists already (a repeated request).
   */
  async registerImported(
    tx: PipelineTx,
    input: {
      recordingId: string;
      userId: string;
      title: string;
      source: Omit<RecordingSourceEntity, 'recordingId' | 'userId' | 'createdAt' | 'updatedAt'>;
      autoRun: boolean;
      reservationId?: string;
      /** Where it comes from (default URL). */
      sourceType?: 'URL' | 'ZOOM' | 'YANDEX_DISK';
      /**
       * PENDING_SOURCE: the source is not ready yet (Zoom still processing), held until a sync
       * finds it ready; SKIPPED: a blank recording, kept but never run. Both start nothing.
       */
      status?: 'INITIALIZED' | 'PENDING_SOURCE' | 'SKIPPED';
      /** When the source says it was recorded. */
      startedAt?: Date | null;
      /** The output presets it publishes with (checked by the caller against the owner's presets). */
      outputPresets?: OutputPresetRef[];
    },
  ): Promise<boolean> {
    const now = this.clock.now();
    const status = input.status ?? 'INITIALIZED';
    const held = status !== 'INITIALIZED' || (input.autoRun && (await this.heldOverQuota(tx, input.recordingId, input.userId)));
    const recording: RecordingEntity = {
      id: input.recordingId,
      userId: input.userId,
      title: input.title,
      originalFilename: null,
      sourceType: input.sourceType ?? 'URL',
      sourceKey: null,
      sourceSizeBytes: null,
      sourceChecksumSha256: null,
      sourceContentType: null,
      reservationId: input.reservationId || null,
      status,
      failed: false,
      failedStage: null,
      failedTarget: null,
      failureCode: null,
      failureReason: null,
      failedAt: null,
      // Without auto-run the recording waits, as a paused one does, until its owner runs it.
      paused: held || !input.autoRun,
      artifacts: {},
      outputPresets: outputPresetsOf(input.outputPresets),
      pipelineStartedAt: input.autoRun && !held ? now : null,
      pipelineCompletedAt: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      expireAt: expiryOf(now, this.retention),
      deleteState: null,
      deletionReason: null,
      purgeAt: null,
      hardDeleteAt: null,
    };
    const stages = plannedStages(input.recordingId, now, false);
    if (!(await this.recordings.insertIfAbsent(tx.manager, recording, stages))) return false;
    await this.sources.insert(tx.manager, { ...input.source, recordingId: recording.id, userId: recording.userId, createdAt: now, updatedAt: now });
    const registered: RecordingRegistered = {
      recordingId: recording.id,
      userId: recording.userId,
      sourceType: input.sourceType === 'ZOOM' ? SourceType.ZOOM : input.sourceType === 'YANDEX_DISK' ? SourceType.YANDEX_DISK : SourceType.URL,
      title: recording.title,
      status: RecordingStatus[status],
      registeredAt: now.toISOString(),
      expireAt: recording.expireAt.toISOString(),
      ...(input.reservationId ? { reservationId: input.reservationId } : {}),
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingRegistered, registered, opts(recording));
    await this.publishStatus(tx, recording, undefined, now);
    await this.pipelineStarted(tx, recording, await this.advance(tx, recording, stages, new Set(), recording.status, recording.failed));
    return true;
  }

  /** `ingest.recording.register-uploaded.v1`: the original is in storage; create the recording and start trimming. */
  async registerUploaded(tx: PipelineTx, cmd: RegisterUploadedRecording): Promise<void> {
    const expectedPrefix = storageKeys.recordingPrefix(cmd.userId, cmd.recordingId);
    if (!cmd.sourceKey.startsWith(expectedPrefix) || cmd.sourceKey.includes('..')) {
      throw new LeapError('INGEST.INVALID_SOURCE_KEY', `The source key ${cmd.sourceKey} is not under the recording's prefix ${expectedPrefix}`, {
        status: 400,
      });
    }
    const now = this.clock.now();
    const recording: RecordingEntity = {
      id: cmd.recordingId,
      userId: cmd.userId,
      title: cmd.title,
      originalFilename: cmd.originalFilename,
      sourceType: 'UPLOAD',
      sourceKey: cmd.sourceKey,
      sourceSizeBytes: cmd.sizeBytes,
      sourceChecksumSha256: null,
      sourceContentType: cmd.contentType || null,
      reservationId: cmd.reservationId || null,
      // A direct upload is created DOWNLOADED: its original is already in storage.
      status: 'DOWNLOADED',
      failed: false,
      failedStage: null,
      failedTarget: null,
      failureCode: null,
      failureReason: null,
      failedAt: null,
      paused: false,
      artifacts: {},
      outputPresets: outputPresetsOf(cmd.outputPresets),
      pipelineStartedAt: now,
      pipelineCompletedAt: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      expireAt: expiryOf(now, this.retention),
      deleteState: null,
      deletionReason: null,
      purgeAt: null,
      hardDeleteAt: null,
    };
    const stages = plannedStages(cmd.recordingId, now);
    const inserted = await this.recordings.insertIfAbsent(tx.manager, recording, stages);
    if (inserted) {
      // Matched before its first stage starts, so the bound template's settings already decide the trim.
      await this.templates.bindOnCreate(tx.manager, { recordingId: recording.id, userId: recording.userId });
      if (await this.heldOverQuota(tx, recording.id, recording.userId)) Object.assign(recording, { paused: true, pipelineStartedAt: null });
    } else {
      const existing = await this.recordings.find(tx.manager, cmd.recordingId);
      if (existing && existing.userId === cmd.userId && existing.sourceKey === cmd.sourceKey) {
        this.logger.info('Recording already registered; nothing to do', { recordingId: cmd.recordingId });
        return;
      }
      throw new LeapError('INGEST.RECORDING_ID_CONFLICT', `Recording ${cmd.recordingId} already exists with another owner or source`, { status: 409 });
    }
    const registered: RecordingRegistered = {
      recordingId: recording.id,
      userId: recording.userId,
      sourceType: SourceType.UPLOAD,
      title: recording.title,
      originalFilename: cmd.originalFilename,
      source: sourceRef(recording),
      status: RecordingStatus.DOWNLOADED,
      registeredAt: now.toISOString(),
      expireAt: recording.expireAt.toISOString(),
      ...(cmd.reservationId ? { reservationId: cmd.reservationId } : {}),
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingRegistered, registered, opts(recording));
    await this.publishStatus(tx, recording, undefined, now);
    const started = await this.advance(tx, recording, stages, new Set(stages.filter((s) => s.stage === 'DOWNLOAD')), recording.status, recording.failed);
    await this.pipelineStarted(tx, recording, started);
  }

  /**
   * Whether an auto-run waits: its owner reached the plan's monthly processing this period
   * (ProcessingHolds). The recording then stays paused, as one brought in without auto-run, until
   * the owner runs it (the gateway checks the quota then) or a later period's upload runs.
   */
  private async heldOverQuota(tx: PipelineTx, recordingId: string, userId: string): Promise<boolean> {
    const hold = await this.holds.held(tx.manager, userId, this.clock.now());
    if (!hold) return false;
    this.logger.info("Auto-run held: the plan's monthly processing is reached", { recordingId, userId, limit: hold.limit, used: hold.used });
    return true;
  }

  /**
   * A run (an auto-run, a `/run`) that started stages started the recording's pipeline:
   * `ingest.pipeline.started.v1`, with an id of its own, is what quota counts against the plan's
   * monthly processing. A run that started nothing (nothing left to do, or held) is no start.
   */
  async pipelineStarted(tx: PipelineTx, recording: RecordingEntity, started: RecordingStageEntity[]): Promise<void> {
    if (started.length === 0) return;
    const event: PipelineStarted = {
      recordingId: recording.id,
      userId: recording.userId,
      runId: newMessageId(),
      startedAt: this.clock.now().toISOString(),
      stages: started.map(stageLabel),
    };
    await tx.publish(MESSAGE_TYPES.ingest.PipelineStarted, event, opts(recording));
  }

  /**
   * A stage finished: record it and its artifacts, then start whatever may start next. A stage
   * that had failed and now succeeds (its parked work was replayed) counts as another attempt, and
   * the recording's failure is lifted when no other stage has failed, so the pipeline goes on.
   */
  async completeStage(tx: PipelineTx, ref: StageRef, artifacts: RecordingArtifacts = {}, details: Record<string, unknown> = {}): Promise<void> {
    const loaded = await this.load(tx, ref, 'completed');
    if (!loaded) return;
    const { recording, stages, stage } = loaded;
    const before = recording.status;
    const failedBefore = recording.failed;
    const now = this.clock.now();
    if (stage.status === 'FAILED') this.recover(recording, stages, stage);
    stage.status = 'COMPLETED';
    stage.finishedAt = now;
    stage.details = { ...stage.details, ...details };
    stage.updatedAt = now;
    recording.artifacts = { ...recording.artifacts, ...artifacts };
    await this.advance(tx, recording, stages, new Set([stage]), before, failedBefore);
  }

  /**
   * A stage failed after its retries: mark it, flag the recording, start nothing more. A
   * transcription-family stage whose recording's config allows errors is SKIPPED instead, with the
   * error kept on it (a failed TRANSCRIBE skips the topics and subtitles too: there is nothing to
   * read), and the recording goes on to its uploads unflagged.
   */
  async failStage(tx: PipelineTx, ref: StageRef, error: Failure): Promise<void> {
    const loaded = await this.load(tx, ref, 'failed');
    if (!loaded) return;
    const { recording, stages, stage } = loaded;
    const before = recording.status;
    const failedBefore = recording.failed;
    const now = this.clock.now();
    if (allowsFailure(stage.stage, error.code, await this.templates.effectiveProcessing(tx.manager, recording.userId, recording.id))) {
      const changed = new Set([stage]);
      Object.assign(stage, {
        status: 'SKIPPED',
        finishedAt: now,
        errorCode: error.code,
        errorMessage: error.message,
        updatedAt: now,
        details: { ...stage.details, skipReason: `failed, let through (${ALLOW_ERRORS}): ${error.code}` },
      });
      if (stage.stage === 'TRANSCRIBE') {
        for (const next of stages.filter((s) => (s.stage === 'EXTRACT_TOPICS' || s.stage === 'GENERATE_SUBTITLES') && s.status === 'PENDING')) {
          Object.assign(next, { status: 'SKIPPED', startedAt: now, finishedAt: now, updatedAt: now, details: { ...next.details, skipReason: `no transcript: TRANSCRIBE failed (${ALLOW_ERRORS})` } });
          changed.add(next);
        }
      }
      this.logger.warn('A transcription stage failed and is let through by the recording\'s config', { recordingId: recording.id, stage: stage.stage, code: error.code });
      await this.advance(tx, recording, stages, changed, before, failedBefore);
      return;
    }
    stage.status = 'FAILED';
    stage.finishedAt = now;
    stage.errorCode = error.code;
    stage.errorMessage = error.message;
    stage.updatedAt = now;
    recording.failed = true;
    recording.failedStage = stage.stage;
    recording.failedTarget = stage.target || null;
    recording.failureCode = error.code;
    recording.failureReason = error.message;
    recording.failedAt = now;
    await this.advance(tx, recording, stages, new Set([stage]), before, failedBefore);
  }

  /** A failed stage succeeded after all: a new attempt, and the recording's failure lifted unless another stage failed. */
  private recover(recording: RecordingEntity, stages: RecordingStageEntity[], stage: RecordingStageEntity): void {
    this.logger.info('A failed stage succeeded after all; the recording recovers', { recordingId: recording.id, stage: stage.stage, target: stage.target });
    stage.attempt += 1;
    stage.errorCode = null;
    stage.errorMessage = null;
    if (stages.some((s) => s !== stage && s.status === 'FAILED')) return;
    recording.failed = false;
    recording.failedStage = null;
    recording.failedTarget = null;
    recording.failureCode = null;
    recording.failureReason = null;
    recording.failedAt = null;
  }

  /** The recording (locked) and the stage a result is about, or undefined when the result does not apply. */
  private async load(tx: PipelineTx, ref: StageRef, result: 'completed' | 'failed') {
    const recording = await this.recordings.lock(tx.manager, ref.recordingId);
    const target = ref.stage === 'UPLOAD' ? (ref.target ?? '') : '';
    const meta = { recordingId: ref.recordingId, stage: ref.stage, target };
    if (!recording || recording.userId !== ref.userId) {
      this.logger.warn('Stage result for an unknown recording ignored', meta);
      return undefined;
    }
    if (recording.deletedAt) {
      this.logger.info('Stage result for a deleted recording ignored', meta);
      return undefined;
    }
    const stages = await this.recordings.stages(tx.manager, recording.id);
    const stage = stages.find((s) => s.stage === ref.stage && s.target === target);
    if (!stage || !acceptsResult(stage, result)) {
      this.logger.info('Stage result ignored: the stage is not running', { ...meta, status: stage?.status ?? 'not planned' });
      return undefined;
    }
    return { recording, stages, stage };
  }

  /**
   * Starts one stage again on its own (a re-run the owner asked for, checked by the caller): it
   * goes IN_PROGRESS as a new attempt and its command carries the settings given over the
   * effective config's. A FAILED stage lifts the recording's failure unless another stage failed.
   * Then the pipeline advances as usual (the stage's own result event will advance it further).
   */
  async restartStage(
    tx: PipelineTx,
    recording: RecordingEntity,
    stages: RecordingStageEntity[],
    stage: RecordingStageEntity,
    settings: StageRerunSettings = {},
  ): Promise<RecordingStageEntity[]> {
    const before = recording.status;
    const failedBefore = recording.failed;
    const now = this.clock.now();
    if (stage.status === 'FAILED' && !stages.some((s) => s !== stage && s.status === 'FAILED')) {
      Object.assign(recording, { failed: false, failedStage: null, failedTarget: null, failureCode: null, failureReason: null, failedAt: null });
    }
    Object.assign(stage, { status: 'IN_PROGRESS', attempt: stage.attempt + 1, startedAt: now, finishedAt: null, errorCode: null, errorMessage: null, details: {}, updatedAt: now });
    let processing: JsonObject | undefined;
    const config = async () => (processing ??= await this.templates.effectiveProcessing(tx.manager, recording.userId, recording.id));
    await this.sendCommand(tx, recording, stage, config, settings);
    const started = await this.advance(tx, recording, stages, new Set([stage]), before, failedBefore);
    return [stage, ...started];
  }

  /**
   * Starts every stage that may start (sending its command; none while the recording is paused),
   * derives the status, saves, and publishes a stage event for each changed stage and a status
   * event when the status or the failure flag changed. Answers the stages it started.
   */
  async advance(
    tx: PipelineTx,
    recording: RecordingEntity,
    stages: RecordingStageEntity[],
    changed: Set<RecordingStageEntity>,
    previousStatus: RecordingState,
    previouslyFailed: boolean,
  ): Promise<RecordingStageEntity[]> {
    const now = this.clock.now();
    // A deleted recording starts nothing, whatever its flags: a restore gives it back paused or finished.
    const held = recording.paused || recording.deletedAt !== null;
    let toStart = stagesToStart(stages, recording.failed, held);
    // A stage the recording's effective config leaves out is SKIPPED as it comes due, and what
    // follows it may start in its place (trimming off: the transcription takes the original).
    let processing: JsonObject | undefined;
    const config = async () => (processing ??= await this.templates.effectiveProcessing(tx.manager, recording.userId, recording.id));
    for (let due = toStart.filter((s) => PROCESSING_STAGES.includes(s.stage)); due.length > 0; due = toStart.filter((s) => PROCESSING_STAGES.includes(s.stage))) {
      let skipped = false;
      for (const stage of due) {
        const reason = skipReason(stage.stage, await config());
        if (!reason) continue;
        Object.assign(stage, { status: 'SKIPPED', startedAt: now, finishedAt: now, updatedAt: now, details: { ...stage.details, skipReason: reason } });
        changed.add(stage);
        skipped = true;
      }
      if (!skipped) break;
      toStart = stagesToStart(stages, recording.failed, held);
    }
    // The uploads may start: each output preset becomes a target of its own beside the default one.
    if (toStart.some((s) => s.stage === 'UPLOAD') && (await this.planPresetTargets(tx, recording, stages, now))) {
      toStart = stagesToStart(stages, recording.failed, held);
    }
    const published = new Set<RecordingStageEntity>();
    const publishChangedStages = async () => {
      const pending = [...changed].filter((s) => !published.has(s));
      pending.sort((a, b) => STAGE_NAMES.indexOf(a.stage) - STAGE_NAMES.indexOf(b.stage) || a.target.localeCompare(b.target));
      for (const stage of pending) {
        await this.publishStage(tx, recording, stage);
        published.add(stage);
      }
    };
    // The processing stages just finished and the uploads start now: the status passes through
    // PROCESSED, as the reference's does between its processing chain and its uploads.
    const settled = deriveStatus(recording.status, stages);
    if (toStart.length > 0 && settled === 'PROCESSED' && previousStatus !== 'PROCESSED') {
      recording.status = settled;
      await publishChangedStages();
      await this.publishStatus(tx, recording, previousStatus, now);
      previousStatus = settled;
      previouslyFailed = recording.failed;
    }
    for (const stage of toStart) {
      let rejected = stage.stage === 'UPLOAD' && typeof stage.details?.rejected === 'string' ? stage.details.rejected : undefined;
      if (rejected && stage.attempt > 0 && typeof stage.details.presetId === 'string') {
        // A run retries a rejected target: the preset is checked again (it may have been fixed meanwhile).
        const checked = await this.checkPreset(recording.userId, stage.details.presetId);
        if ('platform' in checked) {
          const { rejected: _old, ...details } = stage.details;
          Object.assign(stage, { platform: PRESET_PLATFORMS[checked.platform] ?? null, details });
          rejected = undefined;
        } else rejected = checked.rejected;
      }
      if (rejected) {
        // A preset the owner cannot publish with: this target fails alone, the others go on.
        Object.assign(stage, { status: 'FAILED', attempt: stage.attempt + 1, startedAt: now, finishedAt: now, errorCode: PRESET_INVALID, errorMessage: rejected, updatedAt: now });
        Object.assign(recording, { failed: true, failedStage: stage.stage, failedTarget: stage.target, failureCode: PRESET_INVALID, failureReason: rejected, failedAt: now });
        changed.add(stage);
        continue;
      }
      stage.status = 'IN_PROGRESS';
      stage.attempt += 1;
      stage.startedAt = now;
      stage.finishedAt = null;
      stage.errorCode = null;
      stage.errorMessage = null;
      stage.updatedAt = now;
      await this.sendCommand(tx, recording, stage, config);
      changed.add(stage);
    }
    recording.status = deriveStatus(recording.status, stages);
    if (isPipelineComplete(stages) && !recording.pipelineCompletedAt) recording.pipelineCompletedAt = now;
    recording.updatedAt = now;
    await this.recordings.save(tx.manager, recording, changed);
    await publishChangedStages();
    if (recording.status !== previousStatus || recording.failed !== previouslyFailed) {
      await this.publishStatus(tx, recording, previousStatus, now);
    }
    return toStart;
  }

  /**
   * Adds an UPLOAD row (PENDING) for each of the recording's output presets that has none yet, so
   * the presets read at the moment the uploads start are the ones published to. The presets of the
   * effective config (a template's) are checked then against the owner's presets (publishing
   * answers): one that is unknown, another user's, inactive or without an account gets its row
   * with the reason, and fails alone as it would start (`INGEST.PRESET_INVALID`). Answers whether
   * any was added.
   */
  private async planPresetTargets(tx: PipelineTx, recording: RecordingEntity, stages: RecordingStageEntity[], now: Date): Promise<boolean> {
    const planned = (presetId: string) => stages.some((s) => s.stage === 'UPLOAD' && s.target === presetTargetId(recording.id, presetId));
    const config = outputConfig(recording, await this.templates.effectiveOutput(tx.manager, recording.userId, recording.id));
    const added = config.presets
      .filter((preset) => !planned(preset.presetId))
      .map((preset) => stageRow(recording.id, now, 'UPLOAD', presetTargetId(recording.id, preset.presetId), PRESET_PLATFORMS[preset.platform] ?? null, { presetId: preset.presetId }));
    for (const presetId of config.configPresetIds.filter((id) => !planned(id))) {
      const checked = await this.checkPreset(recording.userId, presetId);
      const target = presetTargetId(recording.id, presetId);
      added.push(
        'platform' in checked
          ? stageRow(recording.id, now, 'UPLOAD', target, PRESET_PLATFORMS[checked.platform] ?? null, { presetId, from: 'config' })
          : stageRow(recording.id, now, 'UPLOAD', target, null, { presetId, from: 'config', rejected: checked.rejected }),
      );
    }
    if (added.length === 0) return false;
    await this.recordings.insertStages(tx.manager, added);
    stages.push(...added);
    return true;
  }

  /** Whether the owner may publish with this preset now: its platform, or why not. Publishing not answering is retried. */
  private async checkPreset(userId: string, presetId: string): Promise<{ platform: string } | { rejected: string }> {
    let preset;
    try {
      preset = (await this.bus.request(MESSAGE_TYPES.publishing.GetPreset, { userId, presetId }, { tenant: userId, timeoutMs: this.presetLookupTimeout })).preset;
    } catch (error) {
      if (error instanceof LeapError && error.code === 'PRESET.NOT_FOUND') return { rejected: `There is no preset ${presetId}` };
      throw new LeapError('INGEST.PRESET_LOOKUP_FAILED', `Publishing did not answer about preset ${presetId}: ${(error as Error).message}`, { retryable: true, status: 503, cause: error });
    }
    if (!preset.isActive) return { rejected: `Preset ${presetId} is not active` };
    if (preset.platform !== 'local' && !preset.credentialId) return { rejected: `Preset ${presetId} names no ${preset.platform} account` };
    return { platform: preset.platform };
  }

  /** Sends the stage's command; a re-run's `settings` go over the effective config's. */
  private async sendCommand(
    tx: PipelineTx,
    recording: RecordingEntity,
    stage: RecordingStageEntity,
    config: () => Promise<JsonObject>,
    settings: StageRerunSettings = {},
  ): Promise<void> {
    const { id: recordingId, userId } = recording;
    const a = recording.artifacts;
    const source = sourceRef(recording);
    switch (stage.stage) {
      case 'TRIM': {
        if (!source) throw missing(recording, 'source');
        // The silence threshold, shortest silence and padding come from the effective config (docs/templates.md).
        const cmd: TrimRecording = {
          recordingId,
          userId,
          source,
          ...trimSettings(await config()),
          ...(settings.thresholdDb !== undefined ? { thresholdDb: settings.thresholdDb } : {}),
          ...(settings.minSilenceSeconds !== undefined ? { minSilenceSeconds: settings.minSilenceSeconds } : {}),
          ...(settings.paddingBeforeSeconds !== undefined ? { paddingBeforeSeconds: settings.paddingBeforeSeconds } : {}),
          ...(settings.paddingAfterSeconds !== undefined ? { paddingAfterSeconds: settings.paddingAfterSeconds } : {}),
        };
        return tx.send(MESSAGE_TYPES.media.TrimRecording, cmd, opts(recording));
      }
      case 'TRANSCRIBE': {
        const media = a.audio ?? a.video ?? source;
        if (!media) throw missing(recording, 'audio');
        // The language, vocabulary, quality policy and providers come from the recording's effective
        // config (docs/templates.md); a re-run may name its own language.
        const options = await this.templates.transcriptionOptions(tx.manager, userId, recordingId);
        const language = settings.language || options.language;
        const cmd: TranscribeRecording = {
          recordingId,
          userId,
          media,
          vocabulary: [recording.title, ...options.vocabulary],
          ...(language ? { language } : {}),
          ...transcribeSettings(await config()),
        };
        return tx.send(MESSAGE_TYPES.transcription.TranscribeRecording, cmd, opts(recording));
      }
      case 'EXTRACT_TOPICS': {
        if (!a.master) throw missing(recording, 'master transcript');
        // A re-run's granularity and question count go over the effective config's.
        const cmd: ExtractTopics = { recordingId, userId, transcript: a.master, ...topicSettings(await config()), ...topicRerunSettings(settings) };
        return tx.send(MESSAGE_TYPES.transcription.ExtractTopics, cmd, opts(recording));
      }
      case 'GENERATE_SUBTITLES': {
        if (!a.master) throw missing(recording, 'master transcript');
        // The translation languages come from the effective config (docs/templates.md).
        // A re-run may name the formats to write; the other file stays as it was.
        const cmd: GenerateSubtitles = { recordingId, userId, transcript: a.master, ...subtitleSettings(await config()), ...subtitleRerunFormats(settings) };
        return tx.send(MESSAGE_TYPES.transcription.GenerateSubtitles, cmd, opts(recording));
      }
      case 'UPLOAD': {
        const video = a.video ?? source;
        const objects = [video, a.audio, a.master, a.topics, a.srt, a.vtt].filter((o): o is ObjectRef => o !== undefined);
        const presetId = typeof stage.details?.presetId === 'string' ? stage.details.presetId : undefined;
        // The template metadata and the caption switch come from the effective config when the
        // upload comes due (docs/templates.md); the publishing service lays them over the preset.
        const upload = await this.templates.uploadSettings(tx.manager, userId, recordingId);
        const cmd: PublishRecording = {
          recordingId,
          userId,
          targetId: stage.target,
          platform: (stage.platform ?? DEFAULT_TARGET.platform) as Platform,
          objects,
          variables: { title: recording.title, recorded_at: recording.createdAt.toISOString() },
          ...(presetId ? { presetId } : {}),
          ...(Object.keys(upload.templateMetadata).length > 0 ? { templateMetadata: upload.templateMetadata } : {}),
          ...(upload.uploadCaptions !== undefined ? { uploadCaptions: upload.uploadCaptions } : {}),
          ...(a.translations?.length ? { translations: a.translations } : {}),
        };
        return tx.send(MESSAGE_TYPES.publishing.PublishRecording, cmd, opts(recording));
      }
      case 'DOWNLOAD': {
        const from = await this.sources.find(tx.manager, recordingId);
        if (!from) throw new LeapError('INGEST.DOWNLOAD_NOT_SUPPORTED', `Recording ${recordingId} needs a download, which only imported recordings have`);
        const cmd: DownloadRecording = {
          recordingId,
          userId,
          url: from.url,
          method: from.method === 'YT_DLP' ? DownloadMethod.YT_DLP : DownloadMethod.HTTP,
          ...(from.expectedSizeBytes ? { expectedSizeBytes: from.expectedSizeBytes } : {}),
          ...(from.quality ? { quality: from.quality } : {}),
          ...(from.formatPreference ? { formatPreference: from.formatPreference } : {}),
        };
        return tx.send(MESSAGE_TYPES.ingest.DownloadRecording, cmd, opts(recording));
      }
    }
  }

  private async publishStage(tx: PipelineTx, recording: RecordingEntity, stage: RecordingStageEntity): Promise<void> {
    const event: StageStatusChanged = {
      recordingId: recording.id,
      userId: recording.userId,
      stage: PipelineStage[stage.stage],
      status: StageStatus[stage.status],
      attempt: stage.attempt,
      ...(stage.target ? { target: stage.target } : {}),
      ...(stage.startedAt ? { startedAt: stage.startedAt.toISOString() } : {}),
      ...(stage.finishedAt ? { finishedAt: stage.finishedAt.toISOString() } : {}),
      ...(stage.errorCode ? { error: { code: stage.errorCode, message: stage.errorMessage ?? stage.errorCode } } : {}),
    };
    await tx.publish(MESSAGE_TYPES.ingest.StageStatusChanged, event, opts(recording));
  }

  private async publishStatus(tx: PipelineTx, recording: RecordingEntity, previous: RecordingState | undefined, now: Date): Promise<void> {
    const event: RecordingStatusChanged = {
      recordingId: recording.id,
      userId: recording.userId,
      status: RecordingStatus[recording.status],
      failed: recording.failed,
      changedAt: now.toISOString(),
      ...(previous ? { previousStatus: RecordingStatus[previous] } : {}),
      ...(recording.failed && recording.failedStage ? { failedStage: PipelineStage[recording.failedStage] } : {}),
      ...(recording.failed && recording.failureReason ? { failureReason: recording.failureReason } : {}),
      ...(recording.failed && recording.failedTarget ? { failedTarget: recording.failedTarget } : {}),
      ...(recording.failed && recording.failureCode ? { failureCode: recording.failureCode } : {}),
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingStatusChanged, event, opts(recording));
  }
}

/** Every stage a recording goes through; a direct upload skips the download (its original is already stored). */
function plannedStages(recordingId: string, now: Date, uploaded = true): RecordingStageEntity[] {
  const row = (stage: StageName, target = '', platform: string | null = null) => stageRow(recordingId, now, stage, target, platform);
  const download = row('DOWNLOAD');
  if (uploaded) Object.assign(download, { status: 'SKIPPED', startedAt: now, finishedAt: now, details: { skipReason: 'uploaded directly' } });
  return [
    download,
    row('TRIM'),
    row('TRANSCRIBE'),
    row('EXTRACT_TOPICS'),
    row('GENERATE_SUBTITLES'),
    row('UPLOAD', DEFAULT_TARGET.id, DEFAULT_TARGET.platform),
  ];
}

/** A stage row not started yet. */
function stageRow(recordingId: string, now: Date, stage: StageName, target = '', platform: string | null = null, details: Record<string, unknown> = {}): RecordingStageEntity {
  return Object.assign(new RecordingStageEntity(), {
    recordingId,
    stage,
    target,
    status: 'PENDING',
    attempt: 0,
    platform,
    startedAt: null,
    finishedAt: null,
    errorCode: null,
    errorMessage: null,
    details,
    updatedAt: now,
  } satisfies RecordingStageEntity);
}

function sourceRef(recording: RecordingEntity): ObjectRef | undefined {
  if (!recording.sourceKey) return undefined;
  return {
    key: recording.sourceKey,
    sizeBytes: recording.sourceSizeBytes ?? '0',
    kind: ObjectKind.SOURCE,
    ...(recording.sourceChecksumSha256 ? { checksumSha256: recording.sourceChecksumSha256 } : {}),
    ...(recording.sourceContentType ? { contentType: recording.sourceContentType } : {}),
  };
}

/** The subject and tenant of every message about a recording. */
export function opts(recording: RecordingEntity) {
  return { subject: recording.id, tenant: recording.userId };
}

function missing(recording: RecordingEntity, what: string): LeapError {
  return new LeapError('INGEST.ARTIFACT_MISSING', `Recording ${recording.id} has no ${what} to continue its pipeline with`);
}
