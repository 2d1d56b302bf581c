import { Inject, Injectable } from '@nestjs/common';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type {
  ObjectRef,
  RecordingDeleted,
  RecordingPublished,
  RecordingRegistered,
  RecordingStatusChanged,
  RecordingTranscribed,
  RecordingTrimmed,
  StageStatusChanged,
  SubtitlesGenerated,
  TopicsExtracted,
} from '@leap/contracts';
import type { Logger } from 'winston';
import { RecordingsRepository, type ArtifactName, type ArtifactRef } from './recordings.repository';
import { shortName } from './recordings.dto';

export const READ_MODEL_QUEUE = 'gateway.read-model';

export const READ_MODEL_TYPES = [
  'ingest.recording.registered.v1',
  'ingest.recording.status-changed.v1',
  'ingest.stage.status-changed.v1',
  'ingest.recording.deleted.v1',
  'media.recording.trimmed.v1',
  'transcription.recording.transcribed.v1',
  'transcription.topics.extracted.v1',
  'transcription.subtitles.generated.v1',
  'publishing.recording.published.v1',
];

function ref(o: ObjectRef): ArtifactRef {
  return { key: o.key, sizeBytes: Number(o.sizeBytes), checksumSha256: o.checksumSha256 || undefined, contentType: o.contentType || undefined };
}

/**
 * Builds the recording read model from the pipeline's events. Events of one recording can come
 * out of order (they travel on several services' exchanges): any event creates the row when it
 * does not exist yet, status changes never move `changedAt` back, and stages only move forward.
 */
@Injectable()
export class ReadModelConsumer {
  constructor(
    private readonly recordings: RecordingsRepository,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  private async owned(ctx: MessageContext<{ recordingId: string; userId: string }>): Promise<boolean> {
    const { recordingId, userId } = ctx.data;
    if (await this.recordings.ensure(ctx.manager, recordingId, userId)) return true;
    this.logger.warn(`${ctx.envelope.type} for recording ${recordingId} names another owner; ignored`, { recordingId, messageId: ctx.envelope.id });
    return false;
  }

  @MessageHandler('ingest.recording.registered.v1', { queue: READ_MODEL_QUEUE })
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
    });
  }

  @MessageHandler('ingest.recording.status-changed.v1', { queue: READ_MODEL_QUEUE })
  async statusChanged(ctx: MessageContext<RecordingStatusChanged>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const e = ctx.data;
    const status = shortName(e.status, 'RECORDING_STATUS_');
    if (!status) return;
    await this.recordings.applyStatus(ctx.manager, {
      recordingId: e.recordingId,
      userId: e.userId,
      status,
      failed: e.failed ?? false,
      failedStage: e.failed ? shortName(e.failedStage, 'PIPELINE_STAGE_') : null,
      failureReason: e.failed ? e.failureReason || null : null,
      changedAt: e.changedAt,
    });
  }

  @MessageHandler('ingest.stage.status-changed.v1', { queue: READ_MODEL_QUEUE })
  async stageChanged(ctx: MessageContext<StageStatusChanged>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    const e = ctx.data;
    const stage = shortName(e.stage, 'PIPELINE_STAGE_');
    const status = shortName(e.status, 'STAGE_STATUS_');
    if (!stage || !status) return;
    await this.recordings.applyStage(ctx.manager, {
      recordingId: e.recordingId,
      userId: e.userId,
      stage,
      target: e.target ?? '',
      status,
      attempt: e.attempt && e.attempt > 0 ? e.attempt : 1,
      startedAt: e.startedAt ?? null,
      finishedAt: e.finishedAt ?? null,
      error: e.error ? { code: e.error.code, message: e.error.message, retryable: e.error.retryable ?? false } : null,
    });
  }

  @MessageHandler('ingest.recording.deleted.v1', { queue: READ_MODEL_QUEUE })
  async deleted(ctx: MessageContext<RecordingDeleted>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    await this.recordings.markDeleted(ctx.manager, ctx.data.recordingId, ctx.data.userId, ctx.data.deletedAt);
  }

  @MessageHandler('media.recording.trimmed.v1', { queue: READ_MODEL_QUEUE })
  async trimmed(ctx: MessageContext<RecordingTrimmed>): Promise<void> {
    await this.artifacts(ctx, { video: ref(ctx.data.video), audio: ref(ctx.data.audio) });
  }

  @MessageHandler('transcription.recording.transcribed.v1', { queue: READ_MODEL_QUEUE })
  async transcribed(ctx: MessageContext<RecordingTranscribed>): Promise<void> {
    await this.artifacts(ctx, { transcript: ref(ctx.data.master) });
  }

  @MessageHandler('transcription.topics.extracted.v1', { queue: READ_MODEL_QUEUE })
  async topicsExtracted(ctx: MessageContext<TopicsExtracted>): Promise<void> {
    await this.artifacts(ctx, { topics: ref(ctx.data.topics) });
  }

  @MessageHandler('transcription.subtitles.generated.v1', { queue: READ_MODEL_QUEUE })
  async subtitlesGenerated(ctx: MessageContext<SubtitlesGenerated>): Promise<void> {
    await this.artifacts(ctx, { subtitlesSrt: ref(ctx.data.srt), subtitlesVtt: ref(ctx.data.vtt) });
  }

  @MessageHandler('publishing.recording.published.v1', { queue: READ_MODEL_QUEUE })
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
  }

  private async artifacts(ctx: MessageContext<{ recordingId: string; userId: string }>, artifacts: Partial<Record<ArtifactName, ArtifactRef>>): Promise<void> {
    if (!(await this.owned(ctx))) return;
    await this.recordings.mergeArtifacts(ctx.manager, ctx.data.recordingId, ctx.data.userId, artifacts);
  }
}
