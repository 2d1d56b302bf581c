import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import type { DataSource } from 'typeorm';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  type ExtractTopics,
  type GenerateSubtitles,
  type PublishRecording,
  type RegisterUploadedRecording,
  type StageStatusChanged,
  type TranscribeRecording,
  type TrimRecording,
} from '@leap/contracts';
import { MessageHandler, newMessageId, type MessageBus, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import { storageKeys } from '@leap/storage-client';

/** One message the fakes were sent or saw ingest publish. */
export interface Recorded {
  type: string;
  recordingId: string;
  data: unknown;
}

/**
 * The services downstream of ingest, played for ingest's pipeline-control tests: each stage's
 * command is answered with its result event (a trim is held or failed for the recordings in
 * `held` / `failing`), and what ingest publishes about recordings and stages is recorded.
 */
export interface FakeStages {
  definition: ServiceDefinition;
  commands: Recorded[];
  events: Recorded[];
  /** Recordings whose trims are taken and never answered: the stage stays in progress. */
  held: Set<string>;
  /** Recordings whose trims fail, as a source ffmpeg cannot read fails them. */
  failing: Set<string>;
  /** Recordings whose next command of the given type is taken and never answered (a transcription or topics extraction that keeps running). */
  heldAt: Map<string, string>;
  ofType<T>(recordingId: string, type: string): T[];
  sentOf<T>(recordingId: string, type: string): T[];
  /** Each stage's latest status change, by stage (and target for uploads). */
  latestStages(recordingId: string): Map<string, StageStatusChanged>;
}

/** The commands ingest sends the services downstream of it, which a fake of them takes. */
export const DOWNSTREAM_COMMANDS = [
  MESSAGE_TYPES.media.TrimRecording,
  MESSAGE_TYPES.transcription.TranscribeRecording,
  MESSAGE_TYPES.transcription.ExtractTopics,
  MESSAGE_TYPES.transcription.GenerateSubtitles,
  MESSAGE_TYPES.publishing.PublishRecording,
  MESSAGE_TYPES.storage.DeleteRecordingObjects,
];

const ref = (key: string, kind: ObjectKind) => ({ key, sizeBytes: '100', kind, contentType: 'application/octet-stream' });

export function fakeStages(): FakeStages {
  const commands: Recorded[] = [];
  const events: Recorded[] = [];
  const held = new Set<string>();
  const failing = new Set<string>();
  const heldAt = new Map<string, string>();
  /** Whether the command just noted is to be held: once, for a recording listed in `heldAt` with its type. */
  const holds = (ctx: MessageContext<{ recordingId: string }>) => {
    if (heldAt.get(ctx.data.recordingId) !== ctx.envelope.type) return false;
    heldAt.delete(ctx.data.recordingId);
    return true;
  };
  const note = (into: Recorded[], ctx: MessageContext<{ recordingId: string }>) => into.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });

  @Injectable()
  class FakeStageHandlers {
    @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'fake.work' })
    async trim(ctx: MessageContext<TrimRecording>): Promise<void> {
      note(commands, ctx);
      const { recordingId, userId } = ctx.data;
      if (held.has(recordingId)) return;
      if (failing.has(recordingId)) {
        const error = { code: 'MEDIA.INVALID_SOURCE', message: 'not media' };
        await ctx.publish(MESSAGE_TYPES.media.MediaProcessingFailed, { recordingId, userId, stage: PipelineStage.TRIM, error }, { subject: recordingId });
        return;
      }
      await ctx.publish(
        MESSAGE_TYPES.media.RecordingTrimmed,
        {
          recordingId,
          userId,
          video: ref(storageKeys.video(userId, recordingId, 'mp4'), ObjectKind.VIDEO),
          audio: ref(storageKeys.audio(userId, recordingId), ObjectKind.AUDIO),
          sourceDurationSeconds: 60,
          trimmedDurationSeconds: 50,
        },
        { subject: recordingId },
      );
    }

    @MessageHandler(MESSAGE_TYPES.transcription.TranscribeRecording, { queue: 'fake.work' })
    async transcribe(ctx: MessageContext<TranscribeRecording>): Promise<void> {
      note(commands, ctx);
      if (holds(ctx)) return;
      const { recordingId, userId } = ctx.data;
      const master = ref(storageKeys.masterTranscript(userId, recordingId), ObjectKind.TRANSCRIPT);
      await ctx.publish(MESSAGE_TYPES.transcription.RecordingTranscribed, { recordingId, userId, master, language: ctx.data.language || 'ru', wordCount: 12 }, { subject: recordingId });
    }

    @MessageHandler(MESSAGE_TYPES.transcription.ExtractTopics, { queue: 'fake.work' })
    async topics(ctx: MessageContext<ExtractTopics>): Promise<void> {
      note(commands, ctx);
      if (holds(ctx)) return;
      const { recordingId, userId } = ctx.data;
      const topics = ref(storageKeys.topics(userId, recordingId), ObjectKind.TOPICS);
      await ctx.publish(MESSAGE_TYPES.transcription.TopicsExtracted, { recordingId, userId, topics, version: 1, count: 4 }, { subject: recordingId });
    }

    @MessageHandler(MESSAGE_TYPES.transcription.GenerateSubtitles, { queue: 'fake.work' })
    async subtitles(ctx: MessageContext<GenerateSubtitles>): Promise<void> {
      note(commands, ctx);
      const { recordingId, userId } = ctx.data;
      const srt = ref(storageKeys.subtitles(userId, recordingId, 'srt'), ObjectKind.SUBTITLES_SRT);
      const vtt = ref(storageKeys.subtitles(userId, recordingId, 'vtt'), ObjectKind.SUBTITLES_VTT);
      await ctx.publish(MESSAGE_TYPES.transcription.SubtitlesGenerated, { recordingId, userId, srt, vtt }, { subject: recordingId });
    }

    @MessageHandler(MESSAGE_TYPES.publishing.PublishRecording, { queue: 'fake.work' })
    async publish(ctx: MessageContext<PublishRecording>): Promise<void> {
      note(commands, ctx);
      const { recordingId, userId, targetId, platform } = ctx.data;
      const published = { recordingId, userId, targetId, platform, location: `exports/${recordingId}`, publishedAt: new Date().toISOString() };
      await ctx.publish(MESSAGE_TYPES.publishing.RecordingPublished, published, { subject: recordingId });
    }

    @MessageHandler(MESSAGE_TYPES.storage.DeleteRecordingObjects, { queue: 'fake.work' })
    async deleteObjects(ctx: MessageContext<{ recordingId: string }>): Promise<void> {
      note(commands, ctx);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.RecordingStatusChanged, { queue: 'fake.observer' })
    async statusChanged(ctx: MessageContext<{ recordingId: string }>): Promise<void> {
      note(events, ctx);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.StageStatusChanged, { queue: 'fake.observer' })
    async stageChanged(ctx: MessageContext<{ recordingId: string }>): Promise<void> {
      note(events, ctx);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: 'fake.observer' })
    async paused(ctx: MessageContext<{ recordingId: string }>): Promise<void> {
      note(events, ctx);
    }

    @MessageHandler(MESSAGE_TYPES.ingest.RecordingReset, { queue: 'fake.observer' })
    async reset(ctx: MessageContext<{ recordingId: string }>): Promise<void> {
      note(events, ctx);
    }
  }

  @Module({ providers: [FakeStageHandlers] })
  class FakeStagesModule {}

  const ofType = <T>(recordingId: string, type: string) => events.filter((e) => e.recordingId === recordingId && e.type === type).map((e) => e.data as T);
  return {
    definition: {
      name: 'publishing',
      configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
      consumers: [
        { queue: 'fake.work', types: DOWNSTREAM_COMMANDS },
        {
          queue: 'fake.observer',
          types: [MESSAGE_TYPES.ingest.RecordingStatusChanged, MESSAGE_TYPES.ingest.StageStatusChanged, MESSAGE_TYPES.ingest.RecordingPaused, MESSAGE_TYPES.ingest.RecordingReset],
        },
      ],
      imports: [FakeStagesModule],
    },
    commands,
    events,
    held,
    failing,
    heldAt,
    ofType,
    sentOf: <T>(recordingId: string, type: string) => commands.filter((c) => c.recordingId === recordingId && c.type === type).map((c) => c.data as T),
    latestStages(recordingId) {
      const latest = new Map<string, StageStatusChanged>();
      for (const e of ofType<StageStatusChanged>(recordingId, MESSAGE_TYPES.ingest.StageStatusChanged)) latest.set(e.target ? `${e.stage}:${e.target}` : e.stage, e);
      return latest;
    },
  };
}

/** Registers an uploaded recording with ingest, as the gateway does after storing it; answers its id. */
export async function registerUpload(bus: MessageBus, dataSource: DataSource, userId: string, title: string, recordingId = newMessageId()): Promise<string> {
  const cmd: RegisterUploadedRecording = {
    recordingId,
    userId,
    originalFilename: `${title}.mp4`,
    sourceKey: storageKeys.source(userId, recordingId, 'mp4'),
    sizeBytes: '1048576',
    contentType: 'video/mp4',
    title,
    reservationId: newMessageId(),
  };
  await dataSource.transaction((m) => bus.send(m, MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd, { subject: recordingId, tenant: userId }));
  return recordingId;
}
