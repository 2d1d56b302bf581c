import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { DataSource } from 'typeorm';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  ObjectKind,
  type DeleteRecordingObjects,
  type ExtractTopics,
  type GenerateSubtitles,
  type PublishRecording,
  type RecordingPaused,
  type RecordingReset,
  type RecordingStatusChanged,
  type RegisterUploadedRecording,
  type StageStatusChanged,
  type TranscribeRecording,
  type TrimRecording,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, MessageHandler, newMessageId, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';
import { storageKeys } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { ingestService } from '../service';

const USER = 'user-1';
const OTHER_USER = 'user-2';
/** Titles whose trims the fake media service takes and never answers: the stage stays in progress. */
const HOLD_TRIM = 'hold trim';

const commands: { type: string; recordingId: string; data: unknown }[] = [];
const events: { type: string; recordingId: string; data: unknown }[] = [];
const titles = new Map<string, string>();

const ref = (key: string, kind: ObjectKind) => ({ key, sizeBytes: '100', kind, contentType: 'application/octet-stream' });

/** Plays media-processing, transcription, publishing and storage, and watches what ingest publishes. */
@Injectable()
class FakeWorld {
  private note(ctx: MessageContext<{ recordingId: string }>): void {
    commands.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  private observe(ctx: MessageContext<{ recordingId: string }>): void {
    events.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'fake.work' })
  async trim(ctx: MessageContext<TrimRecording>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId } = ctx.data;
    if (titles.get(recordingId) === HOLD_TRIM) return;
    await ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, {
      recordingId,
      userId,
      video: ref(storageKeys.video(userId, recordingId, 'mp4'), ObjectKind.VIDEO),
      audio: ref(storageKeys.audio(userId, recordingId), ObjectKind.AUDIO),
      sourceDurationSeconds: 60,
      trimmedDurationSeconds: 50,
    }, { subject: recordingId });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.TranscribeRecording, { queue: 'fake.work' })
  async transcribe(ctx: MessageContext<TranscribeRecording>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId } = ctx.data;
    await ctx.publish(MESSAGE_TYPES.transcription.RecordingTranscribed, {
      recordingId,
      userId,
      master: ref(storageKeys.masterTranscript(userId, recordingId), ObjectKind.TRANSCRIPT),
      language: 'ru',
      wordCount: 12,
    }, { subject: recordingId });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.ExtractTopics, { queue: 'fake.work' })
  async topics(ctx: MessageContext<ExtractTopics>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId } = ctx.data;
    await ctx.publish(MESSAGE_TYPES.transcription.TopicsExtracted, {
      recordingId,
      userId,
      topics: ref(storageKeys.topics(userId, recordingId), ObjectKind.TOPICS),
      version: 1,
      count: 4,
    }, { subject: recordingId });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.GenerateSubtitles, { queue: 'fake.work' })
  async subtitles(ctx: MessageContext<GenerateSubtitles>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId } = ctx.data;
    await ctx.publish(MESSAGE_TYPES.transcription.SubtitlesGenerated, {
      recordingId,
      userId,
      srt: ref(storageKeys.subtitles(userId, recordingId, 'srt'), ObjectKind.SUBTITLES_SRT),
      vtt: ref(storageKeys.subtitles(userId, recordingId, 'vtt'), ObjectKind.SUBTITLES_VTT),
    }, { subject: recordingId });
  }

  @MessageHandler(MESSAGE_TYPES.publishing.PublishRecording, { queue: 'fake.work' })
  async publish(ctx: MessageContext<PublishRecording>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId, targetId, platform } = ctx.data;
    await ctx.publish(MESSAGE_TYPES.publishing.RecordingPublished, {
      recordingId,
      userId,
      targetId,
      platform,
      location: `exports/${recordingId}`,
      publishedAt: new Date().toISOString(),
    }, { subject: recordingId });
  }

  @MessageHandler(MESSAGE_TYPES.storage.DeleteRecordingObjects, { queue: 'fake.work' })
  async deleteObjects(ctx: MessageContext<DeleteRecordingObjects>): Promise<void> {
    this.note(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingStatusChanged, { queue: 'fake.observer' })
  async statusChanged(ctx: MessageContext<RecordingStatusChanged>): Promise<void> {
    this.observe(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.StageStatusChanged, { queue: 'fake.observer' })
  async stageChanged(ctx: MessageContext<StageStatusChanged>): Promise<void> {
    this.observe(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: 'fake.observer' })
  async paused(ctx: MessageContext<RecordingPaused>): Promise<void> {
    this.observe(ctx);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingReset, { queue: 'fake.observer' })
  async reset(ctx: MessageContext<RecordingReset>): Promise<void> {
    this.observe(ctx);
  }
}

@Module({ providers: [FakeWorld] })
class FakeWorldModule {}

const fakeWorld: ServiceDefinition = {
  name: 'publishing',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [
    {
      queue: 'fake.work',
      types: [
        MESSAGE_TYPES.media.TrimRecording,
        MESSAGE_TYPES.transcription.TranscribeRecording,
        MESSAGE_TYPES.transcription.ExtractTopics,
        MESSAGE_TYPES.transcription.GenerateSubtitles,
        MESSAGE_TYPES.publishing.PublishRecording,
        MESSAGE_TYPES.storage.DeleteRecordingObjects,
      ],
    },
    {
      queue: 'fake.observer',
      types: [
        MESSAGE_TYPES.ingest.RecordingStatusChanged,
        MESSAGE_TYPES.ingest.StageStatusChanged,
        MESSAGE_TYPES.ingest.RecordingPaused,
        MESSAGE_TYPES.ingest.RecordingReset,
      ],
    },
  ],
  imports: [FakeWorldModule],
};

const ofType = <T>(recordingId: string, type: string) => events.filter((e) => e.recordingId === recordingId && e.type === type).map((e) => e.data as T);
const statusesOf = (recordingId: string) => ofType<RecordingStatusChanged>(recordingId, MESSAGE_TYPES.ingest.RecordingStatusChanged);
const commandTypesOf = (recordingId: string) => commands.filter((c) => c.recordingId === recordingId).map((c) => c.type);
function latestStages(recordingId: string): Map<string, StageStatusChanged> {
  const latest = new Map<string, StageStatusChanged>();
  for (const e of ofType<StageStatusChanged>(recordingId, MESSAGE_TYPES.ingest.StageStatusChanged)) latest.set(e.target ? `${e.stage}:${e.target}` : e.stage, e);
  return latest;
}

describe('resetting a recording (pipeline control)', () => {
  let world: ServiceWorld;
  let bus: MessageBus;
  let dataSource: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('ingest_reset');
    await world.start(ingestService);
    const fakes = await world.start(fakeWorld);
    bus = fakes.app.get(MessageBus);
    dataSource = fakes.app.get(DataSource);
  }, 120_000);

  afterAll(() => world?.close());

  async function uploaded(title: string): Promise<string> {
    const recordingId = newMessageId();
    titles.set(recordingId, title);
    const cmd: RegisterUploadedRecording = {
      recordingId,
      userId: USER,
      originalFilename: `${title}.mp4`,
      sourceKey: storageKeys.source(USER, recordingId, 'mp4'),
      sizeBytes: '1048576',
      contentType: 'video/mp4',
      title,
      reservationId: newMessageId(),
    };
    await dataSource.transaction((m) => bus.send(m, MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd, { subject: recordingId, tenant: USER }));
    return recordingId;
  }

  const reset = (recordingId: string, deleteFiles: boolean, userId = USER) =>
    bus.request(MESSAGE_TYPES.ingest.ResetRecording, { recordingId, userId, deleteFiles }, { subject: recordingId, tenant: userId, timeoutMs: 15_000 });
  const run = (recordingId: string) => bus.request(MESSAGE_TYPES.ingest.RunRecording, { recordingId, userId: USER }, { subject: recordingId, tenant: USER, timeoutMs: 15_000 });

  async function refusal(ask: () => Promise<unknown>): Promise<{ code: string; status: number }> {
    try {
      await ask();
    } catch (error) {
      if (error instanceof LeapError) return { code: error.code, status: error.status };
      throw error;
    }
    throw new Error('the query was not refused');
  }

  const ready = (recordingId: string) =>
    eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });

  it('takes a READY recording back to DOWNLOADED with its original kept, waits paused, and a run takes it through again', async () => {
    const recordingId = await uploaded('Lecture to reset');
    await ready(recordingId);

    const answer = await reset(recordingId, false);
    expect({ ...answer, cancelled: answer.cancelled ?? [] }).toEqual({ recordingId, status: 'DOWNLOADED', paused: true, cancelled: [], filesDeleted: false });

    await eventually(() => {
      expect(ofType<RecordingReset>(recordingId, MESSAGE_TYPES.ingest.RecordingReset)).toEqual([
        expect.objectContaining({ recordingId, userId: USER, filesDeleted: false, expireAt: expect.any(String) }),
      ]);
      expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_DOWNLOADED', previousStatus: 'RECORDING_STATUS_READY', failed: false });
      const stages = latestStages(recordingId);
      for (const stage of ['PIPELINE_STAGE_TRIM', 'PIPELINE_STAGE_TRANSCRIBE', 'PIPELINE_STAGE_EXTRACT_TOPICS', 'PIPELINE_STAGE_GENERATE_SUBTITLES', 'PIPELINE_STAGE_UPLOAD:local']) {
        expect([stage, stages.get(stage)?.status]).toEqual([stage, 'STAGE_STATUS_PENDING']);
      }
      expect(stages.get('PIPELINE_STAGE_DOWNLOAD')?.status).toBe('STAGE_STATUS_SKIPPED');
    }, { timeoutMs: 30_000, intervalMs: 100 });
    // Nothing started by itself, and no object was deleted.
    expect(commandTypesOf(recordingId).filter((t) => t === MESSAGE_TYPES.media.TrimRecording)).toHaveLength(1);
    expect(commandTypesOf(recordingId)).not.toContain(MESSAGE_TYPES.storage.DeleteRecordingObjects);

    const again = await run(recordingId);
    expect(again).toMatchObject({ recordingId, status: 'PROCESSING', stages: ['TRIM'] });
    await eventually(() => {
      expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY');
      expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED', attempt: 2 });
    }, { timeoutMs: 60_000, intervalMs: 100 });
  });

  it('with deleteFiles has storage delete every object under the prefix; a direct upload then has nothing to run on', async () => {
    const recordingId = await uploaded('Lecture to wipe');
    await ready(recordingId);

    const answer = await reset(recordingId, true);
    expect(answer).toMatchObject({ recordingId, status: 'INITIALIZED', paused: true, filesDeleted: true });
    await eventually(() => {
      expect(commands.filter((c) => c.recordingId === recordingId && c.type === MESSAGE_TYPES.storage.DeleteRecordingObjects).map((c) => c.data)).toEqual([
        { recordingId, userId: USER },
      ]);
      expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_INITIALIZED', previousStatus: 'RECORDING_STATUS_READY' });
    }, { timeoutMs: 30_000, intervalMs: 100 });

    expect(await refusal(() => run(recordingId))).toEqual({ code: 'INGEST.NOT_RUNNABLE', status: 409 });
  });

  it('cancels work in progress as a pause does', async () => {
    const recordingId = await uploaded(HOLD_TRIM);
    await eventually(() => expect(commandTypesOf(recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording]), { timeoutMs: 60_000, intervalMs: 100 });

    const answer = await reset(recordingId, false);
    expect(answer).toMatchObject({ recordingId, status: 'DOWNLOADED', paused: true, cancelled: ['TRIM'] });
    await eventually(() => {
      expect(ofType<RecordingPaused>(recordingId, MESSAGE_TYPES.ingest.RecordingPaused)).toEqual([expect.objectContaining({ recordingId, stages: ['TRIM'] })]);
      expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')?.status).toBe('STAGE_STATUS_PENDING');
      expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_DOWNLOADED', previousStatus: 'RECORDING_STATUS_PROCESSING' });
    }, { timeoutMs: 30_000, intervalMs: 100 });
  });

  it('does not find an unknown recording or another user\'s (404)', async () => {
    const recordingId = await uploaded('Lecture of user 1');
    await ready(recordingId);
    expect(await refusal(() => reset(recordingId, true, OTHER_USER))).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    expect(await refusal(() => reset(newMessageId(), false))).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    expect(commandTypesOf(recordingId)).not.toContain(MESSAGE_TYPES.storage.DeleteRecordingObjects);
  });
});
