import { Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type MediaProcessingFailed,
  type PipelineStage,
  type PublishingFailed,
  type RecordingPublished,
  type RecordingTranscribed,
  type RecordingTrimmed,
  type SubtitlesGenerated,
  type TopicsExtracted,
  type TranscriptionFailed,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { STAGE_NAMES, type StageName } from './pipeline-state';
import { PipelineService } from './pipeline.service';

export const INGEST_PIPELINE_QUEUE = 'ingest.pipeline';

/** The result events of every stage; each one advances the recording's pipeline. */
@Injectable()
export class PipelineConsumer {
  constructor(private readonly pipeline: PipelineService) {}

  @MessageHandler(MESSAGE_TYPES.media.RecordingTrimmed, { queue: INGEST_PIPELINE_QUEUE })
  trimmed(ctx: MessageContext<RecordingTrimmed>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.completeStage(
      ctx,
      { recordingId: d.recordingId, userId: d.userId, stage: 'TRIM' },
      { video: d.video, audio: d.audio },
      {
        sourceDurationSeconds: d.sourceDurationSeconds,
        trimmedDurationSeconds: d.trimmedDurationSeconds,
        trimmedHeadSeconds: d.trimmedHeadSeconds,
        trimmedTailSeconds: d.trimmedTailSeconds,
      },
    );
  }

  @MessageHandler(MESSAGE_TYPES.transcription.RecordingTranscribed, { queue: INGEST_PIPELINE_QUEUE })
  transcribed(ctx: MessageContext<RecordingTranscribed>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.completeStage(
      ctx,
      { recordingId: d.recordingId, userId: d.userId, stage: 'TRANSCRIBE' },
      { master: d.master },
      { language: d.language, wordCount: d.wordCount, durationSeconds: d.durationSeconds },
    );
  }

  @MessageHandler(MESSAGE_TYPES.transcription.TopicsExtracted, { queue: INGEST_PIPELINE_QUEUE })
  topicsExtracted(ctx: MessageContext<TopicsExtracted>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.completeStage(
      ctx,
      { recordingId: d.recordingId, userId: d.userId, stage: 'EXTRACT_TOPICS' },
      { topics: d.topics },
      { version: d.version, count: d.count },
    );
  }

  @MessageHandler(MESSAGE_TYPES.transcription.SubtitlesGenerated, { queue: INGEST_PIPELINE_QUEUE })
  subtitlesGenerated(ctx: MessageContext<SubtitlesGenerated>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.completeStage(ctx, { recordingId: d.recordingId, userId: d.userId, stage: 'GENERATE_SUBTITLES' }, {
      srt: d.srt,
      vtt: d.vtt,
      translations: (d.translations ?? []).filter((t) => t.language).map((t) => ({ language: t.language!, ...(t.srt ? { srt: t.srt } : {}), ...(t.vtt ? { vtt: t.vtt } : {}) })),
    });
  }

  @MessageHandler(MESSAGE_TYPES.publishing.RecordingPublished, { queue: INGEST_PIPELINE_QUEUE })
  published(ctx: MessageContext<RecordingPublished>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.completeStage(
      ctx,
      { recordingId: d.recordingId, userId: d.userId, stage: 'UPLOAD', target: d.targetId },
      {},
      { url: d.url, location: d.location, externalId: d.externalId, publishedAt: d.publishedAt },
    );
  }

  @MessageHandler(MESSAGE_TYPES.media.MediaProcessingFailed, { queue: INGEST_PIPELINE_QUEUE })
  mediaFailed(ctx: MessageContext<MediaProcessingFailed>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.failStage(ctx, { recordingId: d.recordingId, userId: d.userId, stage: stageName(d.stage) }, d.error);
  }

  @MessageHandler(MESSAGE_TYPES.transcription.TranscriptionFailed, { queue: INGEST_PIPELINE_QUEUE })
  transcriptionFailed(ctx: MessageContext<TranscriptionFailed>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.failStage(ctx, { recordingId: d.recordingId, userId: d.userId, stage: stageName(d.stage) }, d.error);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.PublishingFailed, { queue: INGEST_PIPELINE_QUEUE })
  publishingFailed(ctx: MessageContext<PublishingFailed>): Promise<void> {
    const d = ctx.data;
    return this.pipeline.failStage(ctx, { recordingId: d.recordingId, userId: d.userId, stage: 'UPLOAD', target: d.targetId }, d.error);
  }
}

/** `PIPELINE_STAGE_TRIM` → `TRIM`; an unknown or unspecified stage cannot be applied. */
export function stageName(stage: PipelineStage): StageName {
  const name = stage.replace(/^PIPELINE_STAGE_/, '') as StageName;
  if (!STAGE_NAMES.includes(name)) throw new LeapError('INGEST.UNKNOWN_STAGE', `A failure event names no known stage: ${stage}`, { status: 400 });
  return name;
}
