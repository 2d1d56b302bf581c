import { Inject, Injectable } from '@nestjs/common';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import {
  MESSAGE_TYPES,
  type IngestProgress,
  type MediaProgress,
  type ObjectRef,
  type PublishingProgress,
  type RecordingDeleted,
  type RecordingDownloaded,
  type RecordingHardDeleted,
  type RecordingPurged,
  type RecordingReset,
  type RecordingRestored,
  type RecordingPublished,
  type RecordingRegistered,
  type RecordingStatusChanged,
  type RecordingTranscribed,
  type RecordingTrimmed,
  type StageStatusChanged,
  type SubtitlesGenerated,
  type TopicsExtracted,
  type TranscriptionProgress,
} from '@leap/contracts';
import type { Logger } from 'winston';
import { RecordingsRepository, translatedArtifact, type ArtifactName, type ArtifactRef } from './recordings.repository';
import { shortName } from './recordings.dto';
import { publicFailureMessage, publicStageError } from './public-failure';
import { EventLog } from '../progress/event-log.repository';
import { StageTimingsRepository } from '../timings/stage-timings.repository';
import type { ProgressEventType } from '../progress/progress-event-types';

export const READ_MODEL_QUEUE = 'gateway.read-model';

export const READ_MODEL_TYPES = [
  MESSAGE_TYPES.ingest.RecordingRegistered,
  MESSAGE_TYPES.ingest.RecordingStatusChanged,
  MESSAGE_TYPES.ingest.StageStatusChanged,
  MESSAGE_TYPES.ingest.RecordingDeleted,
  MESSAGE_TYPES.ingest.RecordingRestored,
  MESSAGE_TYPES.ingest.RecordingPurged,
  MESSAGE_TYPES.ingest.RecordingReset,
  MESSAGE_TYPES.ingest.RecordingHardDeleted,
  MESSAGE_TYPES.media.RecordingTrimmed,
  MESSAGE_TYPES.transcription.RecordingTranscribed,
  MESSAGE_TYPES.transcription.TopicsExtracted,
  MESSAGE_TYPES.transcription.SubtitlesGenerated,
  MESSAGE_TYPES.publishing.RecordingPublished,
  MESSAGE_TYPES.ingest.RecordingDownloaded,
  MESSAGE_TYPES.ingest.IngestProgress,
  MESSAGE_TYPES.media.MediaProgress,
  MESSAGE_TYPES.transcription.TranscriptionProgress,
  MESSAGE_TYPES.publishing.PublishingProgress,
];

function ref(o: ObjectRef): ArtifactRef {
  return { key: o.key, sizeBytes: Number(o.sizeBytes), checksumSha256: o.checksumSha256 || undefined, contentType: o.contentType || undefined };
}

/**
 * Builds the recording read model from the pipeline's events. Events of one recording can come
 * out of order (they travel on several services' exchanges): any event creates the row when it
 * does not exist yet, status changes never move `changedAt` back, and stages only move forward.
 * Each change that applied is also appended, in the API's shape, to the tenant's progress event
 * log that the server-sent event streams read (an event that changed nothing is not).
 */
@Injectable()
export class ReadModelConsumer {
  constructor(
    private readonly recordings: RecordingsRepository,
    private readonly events: EventLog,
    private readonly timings: StageTimingsRepository,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  /** Appends the public event `type` of the message's recording to the tenant's log, in the handler's transaction. */
  private async emit(ctx: MessageContext<{ recordingId: string; userId: string }>, type: ProgressEventType, data: Record<string, unknown>): Promise<void> {
    await this.events.append(ctx.manager, {
      userId: ctx.data.userId,
      recordingId: ctx.data.recordingId,
      type,
      data: { recordingId: ctx.data.recordingId, ...data },
      occurredAt: ctx.envelope.time,
    });
  }

  private async owned(ctx: MessageContext<{ recordingId: string; userId: string }>): Promise<boolean> {
    const { recordingId, userId } = ctx.data;
    if (await this.recordings.ensure(ctx.manager, recordingId, userId)) return true;
    this.logger.warn(`${ctx.envelope.type} for recording ${recordingId} names another owner; ignored`, { recordingId, messageId: ctx.envelope.id });
    return false;
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingRegistered, { queue: READ_MODEL_QUEUE })
  async registered(ctx: MessageContext<RecordingRegistered>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const e = ctx.data;
    await this.recordings.applyRegistered(ctx.manager, {
      recordingId: e.recordingId,
      userId: e.userId,
      title: e.title,
      originalFilename: e.originalFilename || undefined,
      sourceType: shortName(e.sourceType, 'SOURCE_TYPE_') ?? 'UPLOAD',
      status: shortName(e.status, 'RECORDING_STATUS_') ?? 'INITIALIZED',
      registeredAt: e.registeredAt,
      source: e.source ? ref(e.source) : undefined,
      expireAt: e.expireAt || undefined,
    });
    await this.emit(ctx, 'recording.registered', {
      title: e.title,
      sourceType: shortName(e.sourceType, 'SOURCE_TYPE_') ?? 'UPLOAD',
      status: shortName(e.status, 'RECORDING_STATUS_') ?? 'INITIALIZED',
    });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingStatusChanged, { queue: READ_MODEL_QUEUE })
  async statusChanged(ctx: MessageContext<RecordingStatusChanged>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const e = ctx.data;
    const status = shortName(e.status, 'RECORDING_STATUS_');
    if (!status) return;
    const failedStage = e.failed ? shortName(e.failedStage, 'PIPELINE_STAGE_') : null;
    const applied = await this.recordings.applyStatus(ctx.manager, {
      recordingId: e.recordingId,
      userId: e.userId,
      status,
      failed: e.failed ?? false,
      failedStage,
      failureReason: e.failed ? e.failureReason || null : null,
      changedAt: e.changedAt,
    });
    if (applied) {
      await this.emit(ctx, 'recording.status_changed', {
        status,
        previousStatus: shortName(e.previousStatus, 'RECORDING_STATUS_'),
        failed: e.failed ?? false,
        failedStage,
        // The worker's own message stays in its log, as in the read model's answers.
        failureReason: e.failed ? publicFailureMessage(failedStage) : null,
        changedAt: e.changedAt,
      });
    }
  }

  @MessageHandler(MESSAGE_TYPES.ingest.StageStatusChanged, { queue: READ_MODEL_QUEUE })
  async stageChanged(ctx: MessageContext<StageStatusChanged>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const e = ctx.data;
    const stage = shortName(e.stage, 'PIPELINE_STAGE_');
    const status = shortName(e.status, 'STAGE_STATUS_');
    if (!stage || !status) return;
    const change = {
      recordingId: e.recordingId,
      userId: e.userId,
      stage,
      target: e.target ?? '',
      status,
      attempt: e.attempt && e.attempt > 0 ? e.attempt : 1,
      startedAt: e.startedAt ?? null,
      finishedAt: e.finishedAt ?? null,
      error: e.error ? { code: e.error.code, message: e.error.message, retryable: e.error.retryable ?? false } : null,
    };
    if (await this.recordings.applyStage(ctx.manager, change)) {
      await this.timings.recordStage(ctx.manager, { ...change, errorCode: change.error?.code ?? null });
      await this.emit(ctx, 'recording.stage_changed', {
        stage,
        ...(change.target ? { target: change.target } : {}),
        status,
        attempt: change.attempt,
        startedAt: change.startedAt,
        finishedAt: change.finishedAt,
        error: publicStageError(stage, change.error),
      });
    }
  }

  /** Soft-deleted: hidden from the list (unless asked for), restorable until `restorableUntil`. */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDeleted, { queue: READ_MODEL_QUEUE })
  async deleted(ctx: MessageContext<RecordingDeleted>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const e = ctx.data;
    const reason = shortName(e.reason, 'DELETION_REASON_') ?? 'MANUAL';
    const applied = await this.recordings.markDeleted(ctx.manager, {
      recordingId: e.recordingId,
      userId: e.userId,
      deletedAt: e.deletedAt,
      reason,
      restorableUntil: e.restorableUntil ?? null,
      hardDeleteAt: e.hardDeleteAt ?? null,
    });
    if (applied) await this.emit(ctx, 'recording.deleted', { reason, deletedAt: e.deletedAt, restorableUntil: e.restorableUntil ?? null });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingRestored, { queue: READ_MODEL_QUEUE })
  async restored(ctx: MessageContext<RecordingRestored>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    if (await this.recordings.markRestored(ctx.manager, ctx.data)) {
      await this.emit(ctx, 'recording.restored', { restoredAt: ctx.data.restoredAt, expiresAt: ctx.data.expireAt || null });
    }
  }

  /** Reset: its artifacts and publications are forgotten, its stages are as the reset left them. */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingReset, { queue: READ_MODEL_QUEUE })
  async reset(ctx: MessageContext<RecordingReset>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const stages = (ctx.data.stages ?? []).flatMap((s) => {
      const stage = shortName(s.stage, 'PIPELINE_STAGE_');
      const status = shortName(s.status, 'STAGE_STATUS_');
      return stage && status ? [{ stage, status, target: s.target ?? '', attempt: Math.max(s.attempt ?? 0, 1) }] : [];
    });
    if (!(await this.recordings.applyReset(ctx.manager, { ...ctx.data, stages }))) return;
    await this.emit(ctx, 'recording.reset', { resetAt: ctx.data.resetAt, filesDeleted: ctx.data.filesDeleted ?? false });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPurged, { queue: READ_MODEL_QUEUE })
  async purged(ctx: MessageContext<RecordingPurged>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    if (await this.recordings.markPurged(ctx.manager, ctx.data)) await this.emit(ctx, 'recording.purged', { purgedAt: ctx.data.purgedAt });
  }

  /** Nothing of the recording is left anywhere: its row goes too. */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingHardDeleted, { queue: READ_MODEL_QUEUE })
  async hardDeleted(ctx: MessageContext<RecordingHardDeleted>): Promise<void> {
    await this.recordings.remove(ctx.manager, ctx.data.recordingId, ctx.data.userId);
  }

  @MessageHandler(MESSAGE_TYPES.media.RecordingTrimmed, { queue: READ_MODEL_QUEUE })
  async trimmed(ctx: MessageContext<RecordingTrimmed>): Promise<void> {
    await this.artifacts(ctx, { video: ref(ctx.data.video), audio: ref(ctx.data.audio) });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.RecordingTranscribed, { queue: READ_MODEL_QUEUE })
  async transcribed(ctx: MessageContext<RecordingTranscribed>): Promise<void> {
    await this.artifacts(ctx, { transcript: ref(ctx.data.master) });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.TopicsExtracted, { queue: READ_MODEL_QUEUE })
  async topicsExtracted(ctx: MessageContext<TopicsExtracted>): Promise<void> {
    await this.artifacts(ctx, { topics: ref(ctx.data.topics) });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.SubtitlesGenerated, { queue: READ_MODEL_QUEUE })
  async subtitlesGenerated(ctx: MessageContext<SubtitlesGenerated>): Promise<void> {
    const artifacts: Partial<Record<ArtifactName, ArtifactRef>> = { subtitlesSrt: ref(ctx.data.srt), subtitlesVtt: ref(ctx.data.vtt) };
    // Each language of the template's translateTo is its own pair of files.
    for (const t of ctx.data.translations ?? []) {
      if (!t.language) continue;
      if (t.srt) artifacts[translatedArtifact('srt', t.language)] = ref(t.srt);
      if (t.vtt) artifacts[translatedArtifact('vtt', t.language)] = ref(t.vtt);
    }
    await this.artifacts(ctx, artifacts);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.RecordingPublished, { queue: READ_MODEL_QUEUE })
  async published(ctx: MessageContext<RecordingPublished>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const e = ctx.data;
    await this.recordings.addPublication(ctx.manager, e.recordingId, e.userId, {
      targetId: e.targetId,
      platform: shortName(e.platform, 'PLATFORM_') ?? 'UNKNOWN',
      url: e.url || undefined,
      location: e.location || undefined,
      externalId: e.externalId || undefined,
      publishedAt: e.publishedAt,
    });
    await this.emit(ctx, 'recording.published', {
      targetId: e.targetId,
      platform: shortName(e.platform, 'PLATFORM_') ?? 'UNKNOWN',
      url: e.url || null,
      publishedAt: e.publishedAt,
    });
  }

  /** An imported recording's original is in storage; its title may come from the source. */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDownloaded, { queue: READ_MODEL_QUEUE })
  async downloaded(ctx: MessageContext<RecordingDownloaded>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const { recordingId, userId, source, title } = ctx.data;
    await this.recordings.mergeArtifacts(ctx.manager, recordingId, userId, { source: ref(source) });
    await this.recordings.applyDownloaded(ctx.manager, recordingId, userId, {
      title: title || undefined,
      sizeBytes: Number(source.sizeBytes),
      contentType: source.contentType || undefined,
    });
    await this.emit(ctx, 'recording.artifacts_ready', { artifacts: ['source'] });
  }

  /** A download's progress, in bytes: the step says how many of how many. */
  @MessageHandler(MESSAGE_TYPES.ingest.IngestProgress, { queue: READ_MODEL_QUEUE })
  async ingestProgress(ctx: MessageContext<IngestProgress>): Promise<void> {
    const { recordingId, userId, percent, bytesDone, bytesTotal, step } = ctx.data;
    const bytes = bytesDone ? `${bytesDone}${bytesTotal ? ` of ${bytesTotal}` : ''} bytes` : '';
    const report = {
      recordingId,
      userId,
      stage: 'DOWNLOAD',
      target: '',
      percent: Math.min(100, Math.max(0, Math.round(percent ?? 0))),
      step: [step, bytes].filter(Boolean).join(': ') || null,
    };
    if (await this.recordings.applyProgress(ctx.manager, report)) {
      if (step) await this.timings.recordSubstep(ctx.manager, { recordingId, userId, stage: 'DOWNLOAD', target: '', substep: step, at: ctx.envelope.time });
      await this.emit(ctx, 'recording.progress', { stage: 'DOWNLOAD', percent: report.percent, step: report.step });
    }
  }

  @MessageHandler(MESSAGE_TYPES.media.MediaProgress, { queue: READ_MODEL_QUEUE })
  async mediaProgress(ctx: MessageContext<MediaProgress>): Promise<void> {
    await this.progress(ctx, shortName(ctx.data.stage, 'PIPELINE_STAGE_'), '');
  }

  @MessageHandler(MESSAGE_TYPES.transcription.TranscriptionProgress, { queue: READ_MODEL_QUEUE })
  async transcriptionProgress(ctx: MessageContext<TranscriptionProgress>): Promise<void> {
    await this.progress(ctx, shortName(ctx.data.stage, 'PIPELINE_STAGE_'), '');
  }

  /** An upload's progress is about the UPLOAD stage of its target. */
  @MessageHandler(MESSAGE_TYPES.publishing.PublishingProgress, { queue: READ_MODEL_QUEUE })
  async publishingProgress(ctx: MessageContext<PublishingProgress>): Promise<void> {
    await this.progress(ctx, 'UPLOAD', ctx.data.targetId);
  }

  /** Progress reports are frequent and only ever raise a running stage's value; see `applyProgress`. */
  private async progress(ctx: MessageContext<{ recordingId: string; userId: string; percent?: number; step?: string }>, stage: string | null, target: string): Promise<void> {
    if (!stage) return;
    const { recordingId, userId, percent, step } = ctx.data;
    const report = { recordingId, userId, stage, target, percent: Math.min(100, Math.max(0, Math.round(percent ?? 0))), step: step || null };
    if (await this.recordings.applyProgress(ctx.manager, report)) {
      if (step) await this.timings.recordSubstep(ctx.manager, { recordingId, userId, stage, target, substep: step, at: ctx.envelope.time });
      await this.emit(ctx, 'recording.progress', { stage, ...(target ? { target } : {}), percent: report.percent, step: report.step });
    }
  }

  private async artifacts(ctx: MessageContext<{ recordingId: string; userId: string }>, artifacts: Partial<Record<ArtifactName, ArtifactRef>>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    await this.recordings.mergeArtifacts(ctx.manager, ctx.data.recordingId, ctx.data.userId, artifacts);
    await this.emit(ctx, 'recording.artifacts_ready', { artifacts: Object.keys(artifacts) });
  }
}
