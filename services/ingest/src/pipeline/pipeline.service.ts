import { Inject, Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  Platform,
  RecordingStatus,
  SourceType,
  StageStatus,
  type DeleteRecording,
  type DeleteRecordingObjects,
  type ExtractTopics,
  type Failure,
  type GenerateSubtitles,
  type ObjectRef,
  type PublishRecording,
  type RecordingDeleted,
  type RecordingRegistered,
  type RecordingStatusChanged,
  type RegisterUploadedRecording,
  type StageStatusChanged,
  type TranscribeRecording,
  type TrimRecording,
} from '@leap/contracts';
import { LeapError, type MessagingLogger } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import { storageKeys } from '@leap/storage-client';
import { Clock } from '../clock.service';
import type { RecordingArtifacts, RecordingEntity } from '../recordings/recording.entity';
import { RecordingStageEntity } from '../recordings/recording-stage.entity';
import { RecordingRepository, type Transaction } from '../recordings/recording.repository';
import {
  acceptsResult,
  deriveStatus,
  isPipelineComplete,
  STAGE_NAMES,
  stagesToStart,
  type RecordingState,
  type StageName,
} from './pipeline-state';

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

/** The output target every recording gets until templates and presets choose others. */
export const DEFAULT_TARGET = { id: 'local', platform: Platform.LOCAL } as const;

/**
 * The pipeline process manager: registers recordings, starts each stage by sending its command,
 * advances on the result events, and publishes every stage and status change.
 */
@Injectable()
export class PipelineService {
  constructor(
    private readonly recordings: RecordingRepository,
    private readonly clock: Clock,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

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
      failureCode: null,
      failureReason: null,
      failedAt: null,
      artifacts: {},
      pipelineStartedAt: now,
      pipelineCompletedAt: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    };
    const stages = plannedStages(cmd.recordingId, now);
    const inserted = await this.recordings.insertIfAbsent(tx.manager, recording, stages);
    if (!inserted) {
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
      ...(cmd.reservationId ? { reservationId: cmd.reservationId } : {}),
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingRegistered, registered, opts(recording));
    await this.publishStatus(tx, recording, undefined, now);
    await this.advance(tx, recording, stages, new Set(stages.filter((s) => s.stage === 'DOWNLOAD')), recording.status, recording.failed);
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

  /** A stage failed after its retries: mark it, flag the recording, start nothing more. */
  async failStage(tx: PipelineTx, ref: StageRef, error: Failure): Promise<void> {
    const loaded = await this.load(tx, ref, 'failed');
    if (!loaded) return;
    const { recording, stages, stage } = loaded;
    const before = recording.status;
    const failedBefore = recording.failed;
    const now = this.clock.now();
    stage.status = 'FAILED';
    stage.finishedAt = now;
    stage.errorCode = error.code;
    stage.errorMessage = error.message;
    stage.updatedAt = now;
    recording.failed = true;
    recording.failedStage = stage.stage;
    recording.failureCode = error.code;
    recording.failureReason = error.message;
    recording.failedAt = now;
    await this.advance(tx, recording, stages, new Set([stage]), before, failedBefore);
  }

  /** `ingest.recording.delete.v1`: soft delete, then have storage remove every object of the recording. */
  async delete(tx: PipelineTx, cmd: DeleteRecording): Promise<void> {
    const recording = await this.recordings.lock(tx.manager, cmd.recordingId);
    if (!recording || recording.userId !== cmd.userId) {
      this.logger.info('Delete of an unknown recording ignored', { recordingId: cmd.recordingId, userId: cmd.userId });
      return;
    }
    if (recording.deletedAt) {
      this.logger.info('Recording already deleted', { recordingId: cmd.recordingId });
      return;
    }
    const now = this.clock.now();
    recording.deletedAt = now;
    recording.updatedAt = now;
    await this.recordings.save(tx.manager, recording);
    const deleted: RecordingDeleted = { recordingId: recording.id, userId: recording.userId, deletedAt: now.toISOString() };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingDeleted, deleted, opts(recording));
    const objects: DeleteRecordingObjects = { recordingId: recording.id, userId: recording.userId };
    await tx.send(MESSAGE_TYPES.storage.DeleteRecordingObjects, objects, opts(recording));
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
   * Starts every stage that may start (sending its command), derives the status, saves, and
   * publishes a stage event for each changed stage and a status event when the status or the
   * failure flag changed.
   */
  private async advance(
    tx: PipelineTx,
    recording: RecordingEntity,
    stages: RecordingStageEntity[],
    changed: Set<RecordingStageEntity>,
    previousStatus: RecordingState,
    previouslyFailed: boolean,
  ): Promise<void> {
    const now = this.clock.now();
    const toStart = stagesToStart(stages, recording.failed);
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
      stage.status = 'IN_PROGRESS';
      stage.attempt += 1;
      stage.startedAt = now;
      stage.finishedAt = null;
      stage.errorCode = null;
      stage.errorMessage = null;
      stage.updatedAt = now;
      await this.sendCommand(tx, recording, stage);
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
  }

  private async sendCommand(tx: PipelineTx, recording: RecordingEntity, stage: RecordingStageEntity): Promise<void> {
    const { id: recordingId, userId } = recording;
    const a = recording.artifacts;
    const source = sourceRef(recording);
    switch (stage.stage) {
      case 'TRIM': {
        if (!source) throw missing(recording, 'source');
        const cmd: TrimRecording = { recordingId, userId, source };
        return tx.send(MESSAGE_TYPES.media.TrimRecording, cmd, opts(recording));
      }
      case 'TRANSCRIBE': {
        const media = a.audio ?? a.video ?? source;
        if (!media) throw missing(recording, 'audio');
        const cmd: TranscribeRecording = { recordingId, userId, media, vocabulary: [recording.title] };
        return tx.send(MESSAGE_TYPES.transcription.TranscribeRecording, cmd, opts(recording));
      }
      case 'EXTRACT_TOPICS': {
        if (!a.master) throw missing(recording, 'master transcript');
        const cmd: ExtractTopics = { recordingId, userId, transcript: a.master };
        return tx.send(MESSAGE_TYPES.transcription.ExtractTopics, cmd, opts(recording));
      }
      case 'GENERATE_SUBTITLES': {
        if (!a.master) throw missing(recording, 'master transcript');
        const cmd: GenerateSubtitles = { recordingId, userId, transcript: a.master };
        return tx.send(MESSAGE_TYPES.transcription.GenerateSubtitles, cmd, opts(recording));
      }
      case 'UPLOAD': {
        const video = a.video ?? source;
        const objects = [video, a.audio, a.master, a.topics, a.srt, a.vtt].filter((o): o is ObjectRef => o !== undefined);
        const cmd: PublishRecording = {
          recordingId,
          userId,
          targetId: stage.target,
          platform: (stage.platform ?? DEFAULT_TARGET.platform) as Platform,
          objects,
          variables: { title: recording.title, recorded_at: recording.createdAt.toISOString() },
        };
        return tx.send(MESSAGE_TYPES.publishing.PublishRecording, cmd, opts(recording));
      }
      case 'DOWNLOAD':
        throw new LeapError('INGEST.DOWNLOAD_NOT_SUPPORTED', `Recording ${recordingId} needs a download, which only imported recordings have`);
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
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingStatusChanged, event, opts(recording));
  }
}

/** Every stage a direct upload goes through: the download is skipped (the original is already stored). */
function plannedStages(recordingId: string, now: Date): RecordingStageEntity[] {
  const row = (stage: StageName, target = '', platform: string | null = null): RecordingStageEntity =>
    Object.assign(new RecordingStageEntity(), {
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
      details: {},
      updatedAt: now,
    } satisfies RecordingStageEntity);
  const download = row('DOWNLOAD');
  Object.assign(download, { status: 'SKIPPED', startedAt: now, finishedAt: now, details: { skipReason: 'uploaded directly' } });
  return [
    download,
    row('TRIM'),
    row('TRANSCRIBE'),
    row('EXTRACT_TOPICS'),
    row('GENERATE_SUBTITLES'),
    row('UPLOAD', DEFAULT_TARGET.id, DEFAULT_TARGET.platform),
  ];
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

function opts(recording: RecordingEntity) {
  return { subject: recording.id, tenant: recording.userId };
}

function missing(recording: RecordingEntity, what: string): LeapError {
  return new LeapError('INGEST.ARTIFACT_MISSING', `Recording ${recording.id} has no ${what} to continue its pipeline with`);
}
