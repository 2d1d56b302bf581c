import { Inject, Injectable } from '@nestjs/common';
import {
  DeletionReason,
  MESSAGE_TYPES,
  type DeleteRecording,
  type DeleteRecordingObjects,
  type RecordingDeleted,
  type RecordingHardDeleted,
  type RecordingPurged,
  type RecordingRestored,
  type RestoreRecording,
  type RestoreResult,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { type MessagingLogger } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { Clock } from '../clock.service';
import type { IngestConfig } from '../config/config.schema';
import { opts, PipelineService, type PipelineTx } from '../pipeline/pipeline.service';
import { STAGE_NAMES } from '../pipeline/pipeline-state';
import type { DeletionReasonName, RecordingEntity } from '../recordings/recording.entity';
import { RecordingRepository } from '../recordings/recording.repository';
import { deletionSchedule, expiryOf, restoreRefusal, retentionPolicy, type RestoreRefusal, type RetentionPolicy } from './retention';

const REFUSALS: Record<RestoreRefusal, (id: string) => LeapError> = {
  'INGEST.NOT_DELETED': (id) => new LeapError('INGEST.NOT_DELETED', `Recording ${id} is not deleted; there is nothing to restore`, { status: 409 }),
  'INGEST.RESTORE_WINDOW_CLOSED': (id) =>
    new LeapError('INGEST.RESTORE_WINDOW_CLOSED', `Recording ${id} can no longer be restored: its restore window closed and its files are gone`, {
      status: 409,
    }),
};

/**
 * The recording's lifecycle (inventory §9): soft delete by its owner or by expiry, restore within
 * the window, purge of its files when the window closes, hard delete of its last trace. Each step
 * changes the aggregate and publishes its event in one transaction; the storage service removes
 * the objects when told by the purge, the read model and the worker services follow the events.
 */
@Injectable()
export class LifecycleService {
  private readonly retention: RetentionPolicy;

  constructor(
    private readonly recordings: RecordingRepository,
    private readonly pipeline: PipelineService,
    private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) config: IngestConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {
    this.retention = retentionPolicy(config);
  }

  /** `ingest.recording.delete.v1`: soft delete by the owner. Deleting again changes nothing. */
  async delete(tx: PipelineTx, cmd: DeleteRecording): Promise<void> {
    const recording = await this.recordings.lock(tx.manager, cmd.recordingId);
    if (!recording || recording.userId !== cmd.userId) {
      this.logger.info('Delete of an unknown recording ignored', { recordingId: cmd.recordingId, userId: cmd.userId });
      return;
    }
    if (recording.deleteState) {
      this.logger.info('Recording already deleted', { recordingId: cmd.recordingId, deleteState: recording.deleteState });
      return;
    }
    await this.softDelete(tx, recording, 'MANUAL', this.clock.now());
  }

  /**
   * Soft-deletes the recording with reason EXPIRED when it is live and past its expiry as of
   * `asOf` (the sweep's clock reading); false when it is not due. The step is dated `asOf`.
   */
  async expire(tx: PipelineTx, recordingId: string, asOf: Date): Promise<boolean> {
    const recording = await this.recordings.lock(tx.manager, recordingId);
    if (!recording || recording.deleteState || recording.expireAt > asOf) return false;
    await this.softDelete(tx, recording, 'EXPIRED', asOf);
    return true;
  }

  /**
   * `ingest.recording.restore.v1`: back as it was (paused when the delete cancelled work in
   * progress), with a new expiry. 404 for an unknown, another user's or a hard-deleted recording;
   * 409 when it is not deleted or its restore window has closed.
   */
  async restore(tx: PipelineTx, query: RestoreRecording): Promise<RestoreResult> {
    const recording = await this.recordings.lock(tx.manager, query.recordingId);
    if (!recording || recording.userId !== query.userId) {
      throw new LeapError('INGEST.RECORDING_NOT_FOUND', `There is no recording ${query.recordingId}`, { status: 404 });
    }
    const now = this.clock.now();
    const refusal = restoreRefusal(recording, now);
    if (refusal) throw REFUSALS[refusal](recording.id);
    recording.deletedAt = null;
    recording.deleteState = null;
    recording.deletionReason = null;
    recording.purgeAt = null;
    recording.hardDeleteAt = null;
    recording.expireAt = expiryOf(now, this.retention);
    recording.updatedAt = now;
    await this.recordings.save(tx.manager, recording);
    const restored: RecordingRestored = {
      recordingId: recording.id,
      userId: recording.userId,
      restoredAt: now.toISOString(),
      expireAt: recording.expireAt.toISOString(),
      paused: recording.paused,
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingRestored, restored, opts(recording));
    this.logger.info('Recording restored', { recordingId: recording.id, paused: recording.paused });
    return { recordingId: recording.id, status: recording.status, paused: recording.paused, expireAt: restored.expireAt };
  }

  /**
   * The restore window of a deleted recording closed as of `asOf`: it is PURGED (no restore any
   * more) and the storage service is told to remove every object under its prefix. False when not due.
   */
  async purge(tx: PipelineTx, recordingId: string, asOf: Date): Promise<boolean> {
    const recording = await this.recordings.lock(tx.manager, recordingId);
    if (!recording || recording.deleteState !== 'SOFT' || !recording.purgeAt || recording.purgeAt > asOf) return false;
    const now = asOf;
    recording.deleteState = 'PURGED';
    recording.updatedAt = now;
    await this.recordings.save(tx.manager, recording);
    const purged: RecordingPurged = {
      recordingId: recording.id,
      userId: recording.userId,
      purgedAt: now.toISOString(),
      hardDeleteAt: (recording.hardDeleteAt ?? now).toISOString(),
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingPurged, purged, opts(recording));
    await this.deleteObjects(tx, recording);
    return true;
  }

  /**
   * The last trace of a purged recording goes as of `asOf`: the aggregate and its stages. The
   * objects are deleted once more, in case a late write of a cancelled job landed after the purge.
   */
  async hardDelete(tx: PipelineTx, recordingId: string, asOf: Date): Promise<boolean> {
    const recording = await this.recordings.lock(tx.manager, recordingId);
    if (!recording || recording.deleteState !== 'PURGED' || !recording.hardDeleteAt || recording.hardDeleteAt > asOf) return false;
    const now = asOf;
    await this.recordings.remove(tx.manager, recording.id);
    const gone: RecordingHardDeleted = { recordingId: recording.id, userId: recording.userId, hardDeletedAt: now.toISOString() };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingHardDeleted, gone, opts(recording));
    await this.deleteObjects(tx, recording);
    return true;
  }

  /**
   * Hidden and restorable: work in progress is cancelled as a pause cancels it (those stages go
   * back to PENDING and the recording stays paused, so a restore never restarts work by itself),
   * and the objects stay until the window closes.
   */
  private async softDelete(tx: PipelineTx, recording: RecordingEntity, reason: DeletionReasonName, now: Date): Promise<void> {
    const stages = await this.recordings.stages(tx.manager, recording.id);
    const cancelled = stages.filter((s) => s.status === 'IN_PROGRESS');
    cancelled.sort((a, b) => STAGE_NAMES.indexOf(a.stage) - STAGE_NAMES.indexOf(b.stage) || a.target.localeCompare(b.target));
    for (const stage of cancelled) {
      stage.status = 'PENDING';
      stage.startedAt = null;
      stage.finishedAt = null;
      stage.errorCode = null;
      stage.errorMessage = null;
      stage.updatedAt = now;
    }
    if (cancelled.length > 0) recording.paused = true;
    const { purgeAt, hardDeleteAt } = deletionSchedule(now, this.retention);
    recording.deletedAt = now;
    recording.deleteState = 'SOFT';
    recording.deletionReason = reason;
    recording.purgeAt = purgeAt;
    recording.hardDeleteAt = hardDeleteAt;
    await this.pipeline.advance(tx, recording, stages, new Set(cancelled), recording.status, recording.failed);
    const deleted: RecordingDeleted = {
      recordingId: recording.id,
      userId: recording.userId,
      deletedAt: now.toISOString(),
      reason: reason === 'EXPIRED' ? DeletionReason.EXPIRED : DeletionReason.MANUAL,
      restorableUntil: purgeAt.toISOString(),
      hardDeleteAt: hardDeleteAt.toISOString(),
    };
    await tx.publish(MESSAGE_TYPES.ingest.RecordingDeleted, deleted, opts(recording));
    this.logger.info('Recording deleted', { recordingId: recording.id, reason, cancelled: cancelled.length, restorableUntil: deleted.restorableUntil });
  }

  private async deleteObjects(tx: PipelineTx, recording: RecordingEntity): Promise<void> {
    const objects: DeleteRecordingObjects = { recordingId: recording.id, userId: recording.userId };
    await tx.send(MESSAGE_TYPES.storage.DeleteRecordingObjects, objects, opts(recording));
  }
}
