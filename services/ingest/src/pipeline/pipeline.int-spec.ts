import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { DataSource } from 'typeorm';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  Platform,
  QuotaMetric,
  type CommandType,
  type DeleteRecordingObjects,
  type ExtractTopics,
  type GenerateSubtitles,
  type GetPreset,
  type PayloadOf,
  type PipelineStarted,
  type PresetFound,
  type PublishRecording,
  type RecordingDeleted,
  type RecordingPaused,
  type RecordingRegistered,
  type RecordingStatusChanged,
  type RegisterUploadedRecording,
  type ReplyOf,
  type StageStatusChanged,
  type TranscribeRecording,
  type TrimRecording,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, MessageHandler, newMessageId, type MessageContext } from '@leap/messaging';
import type { RunningService, ServiceDefinition } from '@leap/platform';
import { storageKeys } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { ingestService } from '../service';
import { DOWNSTREAM_COMMANDS } from '../testing/fake-stages';
import { presetTargetId } from './output-config';
import { PRESET_INVALID } from './pipeline.service';

const USER = 'user-1';
const OTHER_USER = 'user-2';
/** Titles that make the fake media service fail the trim. */
const FAIL_TRIM = 'fail trim';
/** Titles whose first trim fails; a later one succeeds. */
const FAIL_TRIM_ONCE = 'fail trim once';
/** Titles whose trims the fake media service takes and never answers: the stage stays in progress. */
const HOLD_TRIM = 'hold trim';
/** A title containing this fails its transcription (with "quality" in it too, as a transcript the quality policy refused). */
const FAIL_TRANSCRIBE = 'fail transcribe';

/** Everything the fake services were asked to do, and everything ingest published, by recording. */
const commands: { type: string; recordingId: string; data: unknown }[] = [];
const events: { type: string; recordingId: string; data: unknown }[] = [];

const ref = (key: string, kind: string, sizeBytes = '100') => ({ key, sizeBytes, kind: kind as ObjectKind, contentType: 'application/octet-stream' });

/** What media processing answers for a trimmed recording. */
const trimmed = (recordingId: string, userId: string) => ({
  recordingId,
  userId,
  video: ref(storageKeys.video(userId, recordingId, 'mp4'), ObjectKind.VIDEO),
  audio: ref(storageKeys.audio(userId, recordingId), ObjectKind.AUDIO),
  sourceDurationSeconds: 60,
  trimmedDurationSeconds: 50,
});

/** Plays media-processing, transcription, publishing and storage: answers each command with its result event. */
@Injectable()
class FakeWorld {
  private note(ctx: MessageContext<{ recordingId: string }>): void {
    commands.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'fake.work' })
  async trim(ctx: MessageContext<TrimRecording>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId } = ctx.data;
    const subject = { subject: recordingId };
    const title = titles.get(recordingId);
    if (title === HOLD_TRIM) return;
    const failOnce = title === FAIL_TRIM_ONCE && commands.filter((c) => c.recordingId === recordingId && c.type === ctx.envelope.type).length === 1;
    if (title === FAIL_TRIM || failOnce) {
      await ctx.publish(MESSAGE_TYPES.media.MediaProcessingFailed, {
        recordingId,
        userId,
        stage: 'PIPELINE_STAGE_TRIM',
        error: { code: 'MEDIA.CORRUPT_INPUT', message: 'The source has no readable audio track' },
      }, subject);
      return;
    }
    await ctx.publish(MESSAGE_TYPES.media.RecordingTrimmed, trimmed(recordingId, userId), subject);
  }

  @MessageHandler(MESSAGE_TYPES.transcription.TranscribeRecording, { queue: 'fake.work' })
  async transcribe(ctx: MessageContext<TranscribeRecording>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId } = ctx.data;
    const title = titles.get(recordingId) ?? '';
    if (title.includes(FAIL_TRANSCRIBE)) {
      const error = title.includes('quality')
        ? { code: 'TRANSCRIPTION.QUALITY_FAILED', message: 'The transcript failed its quality checks' }
        : { code: 'TRANSCRIPTION.PROVIDER_FAILED', message: 'Every provider failed' };
      await ctx.publish(MESSAGE_TYPES.transcription.TranscriptionFailed, { recordingId, userId, stage: 'PIPELINE_STAGE_TRANSCRIBE', error }, { subject: recordingId });
      return;
    }
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
      translations: (ctx.data.translateTo ?? []).map((language) => ({
        language,
        srt: ref(`${storageKeys.recordingPrefix(userId, recordingId)}transcription/subtitles.${language}.srt`, ObjectKind.SUBTITLES_SRT),
        vtt: ref(`${storageKeys.recordingPrefix(userId, recordingId)}transcription/subtitles.${language}.vtt`, ObjectKind.SUBTITLES_VTT),
      })),
    }, { subject: recordingId });
  }

  @MessageHandler(MESSAGE_TYPES.publishing.PublishRecording, { queue: 'fake.work' })
  async publish(ctx: MessageContext<PublishRecording>): Promise<void> {
    this.note(ctx);
    const { recordingId, userId, targetId, platform } = ctx.data;
    if (ctx.data.presetId && revokedPresets.has(ctx.data.presetId)) {
      await ctx.publish(MESSAGE_TYPES.publishing.PublishingFailed, {
        recordingId,
        userId,
        targetId,
        platform,
        error: { code: 'PUBLISHING.CREDENTIAL_REVOKED', message: 'The account was disconnected; connect it again' },
        needsReauth: true,
      }, { subject: recordingId });
      return;
    }
    await ctx.publish(MESSAGE_TYPES.publishing.RecordingPublished, {
      recordingId,
      userId,
      targetId,
      platform,
      location: `exports/${recordingId}`,
      publishedAt: new Date().toISOString(),
    }, { subject: recordingId });
  }

  /** Publishing's answer about a preset: the user's own, or PRESET.NOT_FOUND (another user's too). */
  @MessageHandler(MESSAGE_TYPES.publishing.GetPreset, { queue: 'fake.work' })
  async getPreset(ctx: MessageContext<GetPreset>): Promise<PresetFound> {
    const preset = knownPresets.get(ctx.data.presetId);
    if (!preset || preset.userId !== ctx.data.userId) throw new LeapError('PRESET.NOT_FOUND', `There is no preset ${ctx.data.presetId}`, { status: 404, retryable: false });
    const at = new Date().toISOString();
    return { preset: { id: ctx.data.presetId, name: `preset ${ctx.data.presetId}`, createdAt: at, updatedAt: at, isActive: true, ...preset } };
  }

  @MessageHandler(MESSAGE_TYPES.storage.DeleteRecordingObjects, { queue: 'fake.work' })
  async deleteObjects(ctx: MessageContext<DeleteRecordingObjects>): Promise<void> {
    this.note(ctx);
  }

  /** What ingest tells the world, as the gateway's read model would see it. */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingRegistered, { queue: 'fake.observer' })
  async registered(ctx: MessageContext<RecordingRegistered>): Promise<void> {
    events.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingStatusChanged, { queue: 'fake.observer' })
  async statusChanged(ctx: MessageContext<RecordingStatusChanged>): Promise<void> {
    events.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.StageStatusChanged, { queue: 'fake.observer' })
  async stageChanged(ctx: MessageContext<StageStatusChanged>): Promise<void> {
    events.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: 'fake.observer' })
  async paused(ctx: MessageContext<RecordingPaused>): Promise<void> {
    events.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.PipelineStarted, { queue: 'fake.observer' })
  async pipelineStarted(ctx: MessageContext<PipelineStarted>): Promise<void> {
    events.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDeleted, { queue: 'fake.observer' })
  async deleted(ctx: MessageContext<RecordingDeleted>): Promise<void> {
    events.push({ type: ctx.envelope.type, recordingId: ctx.data.recordingId, data: ctx.data });
  }
}

const titles = new Map<string, string>();
/** The presets the fake publishing service knows, by id. */
const knownPresets = new Map<string, { userId: string; platform: string; credentialId?: string; isActive?: boolean }>();
/** Presets whose account the fake publishing service finds revoked: their targets fail. */
const revokedPresets = new Set<string>();

@Module({ providers: [FakeWorld] })
class FakeWorldModule {}

const fakeWorld: ServiceDefinition = {
  name: 'publishing',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [
    // The downstream stages, and publishing's answers about presets.
    { queue: 'fake.work', types: [...DOWNSTREAM_COMMANDS, MESSAGE_TYPES.publishing.GetPreset] },
    {
      queue: 'fake.observer',
      types: [
        MESSAGE_TYPES.ingest.RecordingRegistered,
        MESSAGE_TYPES.ingest.RecordingStatusChanged,
        MESSAGE_TYPES.ingest.StageStatusChanged,
        MESSAGE_TYPES.ingest.RecordingPaused,
        MESSAGE_TYPES.ingest.RecordingDeleted,
        MESSAGE_TYPES.ingest.PipelineStarted,
      ],
    },
  ],
  imports: [FakeWorldModule],
};

const statusesOf = (recordingId: string) =>
  events.filter((e) => e.recordingId === recordingId && e.type === MESSAGE_TYPES.ingest.RecordingStatusChanged).map((e) => e.data as RecordingStatusChanged);
const stageEventsOf = (recordingId: string) =>
  events.filter((e) => e.recordingId === recordingId && e.type === MESSAGE_TYPES.ingest.StageStatusChanged).map((e) => e.data as StageStatusChanged);
const startsOf = (recordingId: string) =>
  events.filter((e) => e.recordingId === recordingId && e.type === MESSAGE_TYPES.ingest.PipelineStarted).map((e) => e.data as PipelineStarted);
const commandTypesOf = (recordingId: string) => commands.filter((c) => c.recordingId === recordingId).map((c) => c.type);
/** The last reported state of each stage (`UPLOAD:local` for targets). */
function latestStages(recordingId: string): Map<string, StageStatusChanged> {
  const latest = new Map<string, StageStatusChanged>();
  for (const e of stageEventsOf(recordingId)) latest.set(e.target ? `${e.stage}:${e.target}` : e.stage, e);
  return latest;
}

describe('the ingest pipeline process manager', () => {
  let world: ServiceWorld;
  let ingest: RunningService;
  let bus: MessageBus;
  let dataSource: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('ingest_pipeline');
    ingest = await world.start(ingestService);
    const fakes = await world.start(fakeWorld);
    bus = fakes.app.get(MessageBus);
    dataSource = fakes.app.get(DataSource);
  }, 300_000);

  afterAll(() => world?.close());

  function upload(title: string, userId = USER): RegisterUploadedRecording {
    const recordingId = newMessageId();
    titles.set(recordingId, title);
    return {
      recordingId,
      userId,
      originalFilename: `${title}.mp4`,
      sourceKey: storageKeys.source(userId, recordingId, 'mp4'),
      sizeBytes: '1048576',
      contentType: 'video/mp4',
      title,
      reservationId: newMessageId(),
    };
  }

  async function send<K extends CommandType>(type: K, data: PayloadOf<K> & { recordingId: string; userId: string }): Promise<void> {
    await dataSource.transaction((m) => bus.send(m, type, data, { subject: data.recordingId, tenant: data.userId }));
  }

  /** Asks ingest to pause or run a recording, as the gateway does. */
  function ask<Q extends typeof MESSAGE_TYPES.ingest.PauseRecording | typeof MESSAGE_TYPES.ingest.RunRecording>(type: Q, recordingId: string, userId = USER): Promise<ReplyOf<Q>> {
    return bus.request(type, { recordingId, userId }, { subject: recordingId, tenant: userId, timeoutMs: 15_000 });
  }

  /** The error reply ingest answers a pause or run with. */
  async function refusal(type: typeof MESSAGE_TYPES.ingest.PauseRecording | typeof MESSAGE_TYPES.ingest.RunRecording, recordingId: string, userId = USER): Promise<{ code: string; status: number }> {
    try {
      await ask(type, recordingId, userId);
    } catch (error) {
      if (error instanceof LeapError) return { code: error.code, status: error.status };
      throw error;
    }
    throw new Error(`${type} of ${recordingId} was not refused`);
  }

  async function publishTrimmed(recordingId: string, userId = USER): Promise<void> {
    await dataSource.transaction((m) => bus.publish(m, MESSAGE_TYPES.media.RecordingTrimmed, trimmed(recordingId, userId), { subject: recordingId, tenant: userId }));
  }

  /** Runs another recording all the way through: whatever ingest would have done with earlier messages, it has done by then. */
  async function settle(): Promise<void> {
    const later = upload('Lecture that settles the bus');
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, later);
    await eventually(() => expect(statusesOf(later.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
  }

  const pausedEventsOf = (recordingId: string) =>
    events.filter((e) => e.recordingId === recordingId && e.type === MESSAGE_TYPES.ingest.RecordingPaused).map((e) => e.data as RecordingPaused);

  it('drives an uploaded recording through every stage to READY, with timings', async () => {
    const cmd = upload('Lecture 1');
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);

    await eventually(() => expect(statusesOf(cmd.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });

    const registered = events.find((e) => e.recordingId === cmd.recordingId && e.type === MESSAGE_TYPES.ingest.RecordingRegistered)!.data as RecordingRegistered;
    expect(registered).toMatchObject({
      status: 'RECORDING_STATUS_DOWNLOADED',
      sourceType: 'SOURCE_TYPE_UPLOAD',
      reservationId: cmd.reservationId,
      source: { key: cmd.sourceKey, sizeBytes: '1048576', kind: 'OBJECT_KIND_SOURCE', contentType: 'video/mp4' },
    });

    const statuses = statusesOf(cmd.recordingId);
    expect(statuses.map((s) => s.status)).toEqual([
      'RECORDING_STATUS_DOWNLOADED',
      'RECORDING_STATUS_PROCESSING',
      'RECORDING_STATUS_PROCESSED',
      'RECORDING_STATUS_UPLOADING',
      'RECORDING_STATUS_READY',
    ]);
    expect(statuses.every((s) => !s.failed)).toBe(true);

    const stages = latestStages(cmd.recordingId);
    expect([...stages.keys()].sort()).toEqual(['DOWNLOAD', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES', 'TRANSCRIBE', 'TRIM', 'UPLOAD:local'].map((k) => `PIPELINE_STAGE_${k}`).sort());
    expect(stages.get('PIPELINE_STAGE_DOWNLOAD')!.status).toBe('STAGE_STATUS_SKIPPED');
    for (const [key, stage] of stages) {
      if (key === 'PIPELINE_STAGE_DOWNLOAD') continue;
      expect({ key, status: stage.status, attempt: stage.attempt }).toEqual({ key, status: 'STAGE_STATUS_COMPLETED', attempt: 1 });
      expect(Date.parse(stage.startedAt!)).toBeLessThanOrEqual(Date.parse(stage.finishedAt!));
    }
    // Each stage went PENDING → IN_PROGRESS → COMPLETED: two events per started stage.
    const trimEvents = stageEventsOf(cmd.recordingId).filter((e) => e.stage === 'PIPELINE_STAGE_TRIM').map((e) => e.status);
    expect(trimEvents).toEqual(['STAGE_STATUS_IN_PROGRESS', 'STAGE_STATUS_COMPLETED']);

    // One command per stage, topics and subtitles after the transcript, the upload last.
    const sent = commandTypesOf(cmd.recordingId);
    expect(sent.slice(0, 2)).toEqual([MESSAGE_TYPES.media.TrimRecording, MESSAGE_TYPES.transcription.TranscribeRecording]);
    expect(sent.slice(2, 4).sort()).toEqual([MESSAGE_TYPES.transcription.ExtractTopics, MESSAGE_TYPES.transcription.GenerateSubtitles].sort());
    expect(sent[4]).toBe(MESSAGE_TYPES.publishing.PublishRecording);
    expect(sent).toHaveLength(5);

    const transcribe = commands.find((c) => c.recordingId === cmd.recordingId && c.type === MESSAGE_TYPES.transcription.TranscribeRecording)!.data as TranscribeRecording;
    expect(transcribe.media.key).toBe(storageKeys.audio(USER, cmd.recordingId));
    const publish = commands.find((c) => c.recordingId === cmd.recordingId && c.type === MESSAGE_TYPES.publishing.PublishRecording)!.data as PublishRecording;
    expect(publish).toMatchObject({ targetId: 'local', platform: Platform.LOCAL });
    expect(publish.objects.map((o) => o.kind).sort()).toEqual(
      [ObjectKind.VIDEO, ObjectKind.AUDIO, ObjectKind.TRANSCRIPT, ObjectKind.TOPICS, ObjectKind.SUBTITLES_SRT, ObjectKind.SUBTITLES_VTT].sort(),
    );
  });

  it('registers a recording once when the command comes twice', async () => {
    const cmd = upload('Lecture twice');
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(statusesOf(cmd.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    const registrations = events.filter((e) => e.recordingId === cmd.recordingId && e.type === MESSAGE_TYPES.ingest.RecordingRegistered);
    expect(registrations).toHaveLength(1);
    expect(commandTypesOf(cmd.recordingId).filter((t) => t === MESSAGE_TYPES.media.TrimRecording)).toHaveLength(1);
  });

  it('marks the recording failed at TRIM when media processing fails, and sends nothing after', async () => {
    const cmd = upload(FAIL_TRIM);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);

    await eventually(() => expect(statusesOf(cmd.recordingId).at(-1)?.failed).toBe(true), { timeoutMs: 60_000, intervalMs: 100 });
    expect(statusesOf(cmd.recordingId).at(-1)).toMatchObject({
      status: 'RECORDING_STATUS_DOWNLOADED',
      previousStatus: 'RECORDING_STATUS_PROCESSING',
      failed: true,
      failedStage: 'PIPELINE_STAGE_TRIM',
      failureReason: 'The source has no readable audio track',
    });
    const trim = latestStages(cmd.recordingId).get('PIPELINE_STAGE_TRIM')!;
    expect(trim).toMatchObject({ status: 'STAGE_STATUS_FAILED', error: { code: 'MEDIA.CORRUPT_INPUT' } });
    expect(trim.finishedAt).toBeDefined();

    // A later recording goes all the way through, so anything this one would have sent has been sent by then.
    const later = upload('Lecture after a failure');
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, later);
    await eventually(() => expect(statusesOf(later.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    expect(commandTypesOf(cmd.recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording]);
  });

  it('recovers a recording whose failed stage succeeds after all (its parked work was replayed), and goes on to READY', async () => {
    const cmd = upload(FAIL_TRIM);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(statusesOf(cmd.recordingId).at(-1)?.failed).toBe(true), { timeoutMs: 60_000, intervalMs: 100 });
    expect(latestStages(cmd.recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_FAILED', attempt: 1 });

    // The trim command was replayed from the parking lot after the fault was fixed, and succeeded.
    const { recordingId, userId } = cmd;
    await dataSource.transaction((m) =>
      bus.publish(m, MESSAGE_TYPES.media.RecordingTrimmed, trimmed(recordingId, userId), { subject: recordingId, tenant: userId }),
    );

    await eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    const final = statusesOf(recordingId).at(-1)!;
    expect(final.failed).toBe(false);
    expect(final.failedStage ?? 'PIPELINE_STAGE_UNSPECIFIED').toBe('PIPELINE_STAGE_UNSPECIFIED');
    // A second attempt, so every reader (the gateway's read model) moves the stage forward.
    expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED', attempt: 2 });
    expect(commandTypesOf(recordingId)).toEqual([
      MESSAGE_TYPES.media.TrimRecording,
      MESSAGE_TYPES.transcription.TranscribeRecording,
      MESSAGE_TYPES.transcription.ExtractTopics,
      MESSAGE_TYPES.transcription.GenerateSubtitles,
      MESSAGE_TYPES.publishing.PublishRecording,
    ]);

    // A late failure report of a stage that has completed changes nothing.
    await dataSource.transaction((m) =>
      bus.publish(m, MESSAGE_TYPES.media.MediaProcessingFailed, {
        recordingId,
        userId,
        stage: 'PIPELINE_STAGE_TRIM',
        error: { code: 'MEDIA.CORRUPT_INPUT', message: 'late duplicate' },
      }, { subject: recordingId, tenant: userId }),
    );
    const later = upload('Lecture after a late failure report');
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, later);
    await eventually(() => expect(statusesOf(later.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_READY', failed: false });
  });

  it('deletes a recording (soft): publishes the deletion with its restore window, keeps its objects; another user cannot', async () => {
    const cmd = upload('Lecture to delete');
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(statusesOf(cmd.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });

    await send(MESSAGE_TYPES.ingest.DeleteRecording, { recordingId: cmd.recordingId, userId: OTHER_USER });
    await send(MESSAGE_TYPES.ingest.DeleteRecording, { recordingId: newMessageId(), userId: USER });
    await send(MESSAGE_TYPES.ingest.DeleteRecording, { recordingId: cmd.recordingId, userId: USER });
    await send(MESSAGE_TYPES.ingest.DeleteRecording, { recordingId: cmd.recordingId, userId: USER });

    await eventually(
      () => expect(events.filter((e) => e.recordingId === cmd.recordingId && e.type === MESSAGE_TYPES.ingest.RecordingDeleted)).toHaveLength(1),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const deleted = events.find((e) => e.recordingId === cmd.recordingId && e.type === MESSAGE_TYPES.ingest.RecordingDeleted)!.data as RecordingDeleted;
    expect(deleted).toMatchObject({ userId: USER, reason: 'DELETION_REASON_MANUAL' });
    const day = 86_400_000;
    expect(Date.parse(deleted.restorableUntil!) - Date.parse(deleted.deletedAt)).toBe(3 * day);
    expect(Date.parse(deleted.hardDeleteAt!) - Date.parse(deleted.restorableUntil!)).toBe(30 * day);
    // The objects stay while it can be restored: storage is told only when the window closes.
    await settle();
    expect(commandTypesOf(cmd.recordingId)).not.toContain(MESSAGE_TYPES.storage.DeleteRecordingObjects);
  });

  it('pauses a trim in progress: the stage is PENDING again, the status rolls back, the workers are told, a late result is ignored', async () => {
    const cmd = upload(HOLD_TRIM);
    const { recordingId } = cmd;
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(commandTypesOf(recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording]), { timeoutMs: 60_000, intervalMs: 100 });
    await eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_PROCESSING'), { timeoutMs: 30_000, intervalMs: 100 });

    const paused = await ask(MESSAGE_TYPES.ingest.PauseRecording, recordingId);
    expect(paused).toEqual({ recordingId, status: 'DOWNLOADED', paused: true, stages: ['TRIM'] });

    await eventually(() => expect(pausedEventsOf(recordingId)).toHaveLength(1), { timeoutMs: 30_000, intervalMs: 100 });
    expect(pausedEventsOf(recordingId)[0]).toMatchObject({ recordingId, userId: USER, stages: ['TRIM'] });
    await eventually(() => {
      expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_PENDING', attempt: 1 });
      expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_DOWNLOADED', previousStatus: 'RECORDING_STATUS_PROCESSING', failed: false });
    }, { timeoutMs: 30_000, intervalMs: 100 });
    expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')!.startedAt).toBeUndefined();

    // Nothing left to pause.
    expect(await refusal(MESSAGE_TYPES.ingest.PauseRecording, recordingId)).toEqual({ code: 'INGEST.NOTHING_TO_PAUSE', status: 409 });

    // The trim that was under way finishes anyway; its result is ignored and nothing starts.
    await publishTrimmed(recordingId);
    await settle();
    expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_PENDING', attempt: 1 });
    expect(commandTypesOf(recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording]);
    expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_DOWNLOADED');
  });

  it('runs a paused recording from where it stopped, as a new attempt, to READY; refuses while running; a READY one starts nothing; each real start is announced', async () => {
    const cmd = upload(HOLD_TRIM);
    const { recordingId } = cmd;
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(commandTypesOf(recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording]), { timeoutMs: 60_000, intervalMs: 100 });
    expect(await refusal(MESSAGE_TYPES.ingest.RunRecording, recordingId)).toEqual({ code: 'INGEST.ALREADY_RUNNING', status: 409 });
    await ask(MESSAGE_TYPES.ingest.PauseRecording, recordingId);
    // The upload's own run started the pipeline: one start, which quota counts against the monthly processing.
    await eventually(() => expect(startsOf(recordingId)).toEqual([{ recordingId, userId: USER, runId: expect.any(String), startedAt: expect.any(String), stages: ['TRIM'] }]), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    // A dry run decides the run and rolls it back: no start.
    const plan = await bus.request(MESSAGE_TYPES.ingest.RunRecording, { recordingId, userId: USER, dryRun: true }, { subject: recordingId, tenant: USER, timeoutMs: 15_000 });
    expect(plan).toMatchObject({ dryRun: true, stages: ['TRIM'] });

    const run = await ask(MESSAGE_TYPES.ingest.RunRecording, recordingId);
    expect(run).toMatchObject({ recordingId, status: 'PROCESSING', stages: ['TRIM'] });
    expect(run.paused ?? false).toBe(false);
    expect(await refusal(MESSAGE_TYPES.ingest.RunRecording, recordingId)).toEqual({ code: 'INGEST.ALREADY_RUNNING', status: 409 });

    await eventually(() => expect(commandTypesOf(recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording, MESSAGE_TYPES.media.TrimRecording]), { timeoutMs: 30_000, intervalMs: 100 });
    await eventually(() => {
      expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_IN_PROGRESS', attempt: 2 });
      expect(statusesOf(recordingId).map((s) => s.status).slice(-2)).toEqual(['RECORDING_STATUS_DOWNLOADED', 'RECORDING_STATUS_PROCESSING']);
    }, { timeoutMs: 30_000, intervalMs: 100 });

    await publishTrimmed(recordingId);
    await eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED', attempt: 2 });

    const again = await ask(MESSAGE_TYPES.ingest.RunRecording, recordingId);
    expect({ status: again.status, stages: again.stages ?? [] }).toEqual({ status: 'READY', stages: [] });
    expect(await refusal(MESSAGE_TYPES.ingest.PauseRecording, recordingId)).toEqual({ code: 'INGEST.NOTHING_TO_PAUSE', status: 409 });
    // A stage re-run on its own is not a pipeline start either.
    await bus.request(MESSAGE_TYPES.ingest.RerunStage, { recordingId, userId: USER, stage: PipelineStage.TRANSCRIBE }, { subject: recordingId, tenant: USER, timeoutMs: 15_000 });
    await eventually(() => expect(latestStages(recordingId).get('PIPELINE_STAGE_TRANSCRIBE')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED', attempt: 2 }), { timeoutMs: 30_000, intervalMs: 100 });
    await settle();
    expect(commandTypesOf(recordingId).filter((t) => t === MESSAGE_TYPES.publishing.PublishRecording)).toHaveLength(1);
    // Two starts, each its own run: the upload's and the run after the pause (not the dry run, the run with nothing to do, or the re-run).
    const starts = startsOf(recordingId);
    expect(starts.map((s) => s.stages)).toEqual([['TRIM'], ['TRIM']]);
    expect(new Set(starts.map((s) => s.runId)).size).toBe(2);
  });

  it('runs a failed recording again: the failed stage as a new attempt, the failure lifted, on to READY', async () => {
    const cmd = upload(FAIL_TRIM_ONCE);
    const { recordingId } = cmd;
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(statusesOf(recordingId).at(-1)?.failed).toBe(true), { timeoutMs: 60_000, intervalMs: 100 });

    const run = await ask(MESSAGE_TYPES.ingest.RunRecording, recordingId);
    expect(run).toMatchObject({ recordingId, status: 'PROCESSING', stages: ['TRIM'] });

    await eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    expect(statusesOf(recordingId).at(-1)!.failed).toBe(false);
    // The run lifted the failure as it started the trim again.
    expect(statusesOf(recordingId).find((s) => s.status === 'RECORDING_STATUS_PROCESSING' && s.previousStatus === 'RECORDING_STATUS_DOWNLOADED')).toMatchObject({ failed: false });
    expect(latestStages(recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED', attempt: 2 });
  });

  it('publishes to one target per output preset beside the local export; a failing target leaves the others going and flags the recording', async () => {
    const [youtubeA, youtubeB, disk] = [newMessageId(), newMessageId(), newMessageId()];
    revokedPresets.add(youtubeB);
    const cmd = {
      ...upload('Lecture with presets'),
      // A repeated preset is one target.
      outputPresets: [
        { presetId: youtubeA, platform: 'youtube' },
        { presetId: youtubeB, platform: 'youtube' },
        { presetId: disk, platform: 'yandex_disk' },
        { presetId: youtubeA, platform: 'youtube' },
      ],
    };
    const { recordingId } = cmd;
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_UPLOADED', failed: true }), { timeoutMs: 60_000, intervalMs: 100 });

    const publishes = commands.filter((c) => c.recordingId === recordingId && c.type === MESSAGE_TYPES.publishing.PublishRecording).map((c) => c.data as PublishRecording);
    expect(publishes.map((p) => [p.platform, p.presetId ?? null]).sort()).toEqual(
      [
        [Platform.LOCAL, null],
        [Platform.YOUTUBE, youtubeA],
        [Platform.YOUTUBE, youtubeB],
        [Platform.YANDEX_DISK, disk],
      ].sort(),
    );
    const targetOf = (presetId: string) => publishes.find((p) => p.presetId === presetId)!.targetId;
    expect(new Set(publishes.map((p) => p.targetId)).size).toBe(4);
    for (const p of publishes.filter((p) => p.presetId)) expect(p.targetId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(publishes.every((p) => p.objects.some((o) => o.kind === ObjectKind.VIDEO))).toBe(true);

    const stages = latestStages(recordingId);
    const upload_ = (target: string) => stages.get(`PIPELINE_STAGE_UPLOAD:${target}`);
    expect(upload_('local')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED' });
    expect(upload_(targetOf(youtubeA))).toMatchObject({ status: 'STAGE_STATUS_COMPLETED' });
    expect(upload_(targetOf(disk))).toMatchObject({ status: 'STAGE_STATUS_COMPLETED' });
    expect(upload_(targetOf(youtubeB))).toMatchObject({ status: 'STAGE_STATUS_FAILED', error: { code: 'PUBLISHING.CREDENTIAL_REVOKED' } });
    expect(statusesOf(recordingId).at(-1)).toMatchObject({
      failedStage: 'PIPELINE_STAGE_UPLOAD',
      failedTarget: targetOf(youtubeB),
      failureCode: 'PUBLISHING.CREDENTIAL_REVOKED',
    });

    // The account connected again, a run retries only the failed target, and the recording is READY.
    revokedPresets.delete(youtubeB);
    const run = await ask(MESSAGE_TYPES.ingest.RunRecording, recordingId);
    expect(run.stages).toEqual([`UPLOAD:${targetOf(youtubeB)}`]);
    await eventually(() => expect(statusesOf(recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_READY', failed: false }), { timeoutMs: 60_000, intervalMs: 100 });
    expect(latestStages(recordingId).get(`PIPELINE_STAGE_UPLOAD:${targetOf(youtubeB)}`)).toMatchObject({ status: 'STAGE_STATUS_COMPLETED', attempt: 2 });
    expect(commands.filter((c) => c.recordingId === recordingId && c.type === MESSAGE_TYPES.publishing.PublishRecording)).toHaveLength(5);
  });

  /** Saves a template of `userId`, as the gateway does. */
  const saveTemplate = (userId: string, fields: Record<string, unknown>) =>
    bus.request(MESSAGE_TYPES.ingest.SaveTemplate, { userId, fields, autoRematch: false }, { tenant: userId, timeoutMs: 15_000 });
  const commandsOf = <T>(recordingId: string, type: string) => commands.filter((c) => c.recordingId === recordingId && c.type === type).map((c) => c.data as T);

  it('runs a recording with its matched template: trimming off skips TRIM, the original is transcribed in the template language, READY', async () => {
    const userId = 'user-templates-1';
    await saveTemplate(userId, {
      name: 'English talks, untrimmed',
      matchingRules: { keywords: ['english talk'] },
      processingConfig: { trimming: { enableTrimming: false }, transcription: { language: 'en', vocabulary: ['Kubernetes'] } },
    });
    const cmd = upload('English talk: operators', userId);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    await eventually(() => expect(statusesOf(cmd.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });

    expect(latestStages(cmd.recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_SKIPPED' });
    expect(commandTypesOf(cmd.recordingId)).not.toContain(MESSAGE_TYPES.media.TrimRecording);
    const [transcribe] = commandsOf<TranscribeRecording>(cmd.recordingId, MESSAGE_TYPES.transcription.TranscribeRecording);
    // Nothing trimmed: the transcription takes the original, as the reference's does.
    expect(transcribe).toMatchObject({ language: 'en', media: { key: cmd.sourceKey, kind: ObjectKind.SOURCE } });
    expect(transcribe.vocabulary).toEqual(['English talk: operators', 'Kubernetes']);
    const [publish] = commandsOf<PublishRecording>(cmd.recordingId, MESSAGE_TYPES.publishing.PublishRecording);
    expect(publish.objects.find((o) => o.kind === ObjectKind.SOURCE)?.key).toBe(cmd.sourceKey);

    // A recording no template matches runs with the default template: trimmed, no language.
    const plain = upload('Seminar without a template', userId);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, plain);
    await eventually(() => expect(statusesOf(plain.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    expect(latestStages(plain.recordingId).get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED' });
    const [plainTranscribe] = commandsOf<TranscribeRecording>(plain.recordingId, MESSAGE_TYPES.transcription.TranscribeRecording);
    expect(plainTranscribe.language ?? '').toBe('');
    expect(plainTranscribe.media.kind).toBe(ObjectKind.AUDIO);
  });

  it('gives each command the settings of the template: trim thresholds, topic granularity and questions; topics and subtitles off skip their stages', async () => {
    const userId = 'user-templates-2';
    await saveTemplate(userId, {
      name: 'Quiet rooms',
      matchingRules: { keywords: ['quiet room'] },
      processingConfig: {
        trimming: { silenceThreshold: -50, minSilenceDuration: 3, paddingBefore: 2, paddingAfter: 4 },
        transcription: { language: 'de', granularity: 'long', questionsCount: 5 },
      },
    });
    await saveTemplate(userId, {
      name: 'Transcript only',
      matchingRules: { keywords: ['transcript only'] },
      processingConfig: { transcription: { enableTopics: false, enableSubtitles: false } },
    });
    const quiet = upload('Quiet room lecture', userId);
    const bare = upload('Transcript only lecture', userId);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, quiet);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, bare);
    for (const { recordingId } of [quiet, bare]) {
      await eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    }

    expect(commandsOf<TrimRecording>(quiet.recordingId, MESSAGE_TYPES.media.TrimRecording)).toEqual([
      expect.objectContaining({ thresholdDb: -50, minSilenceSeconds: 3, paddingSeconds: 4 }),
    ]);
    expect(commandsOf<TranscribeRecording>(quiet.recordingId, MESSAGE_TYPES.transcription.TranscribeRecording)[0]).toMatchObject({ language: 'de' });
    expect(commandsOf<ExtractTopics>(quiet.recordingId, MESSAGE_TYPES.transcription.ExtractTopics)).toEqual([
      expect.objectContaining({ granularity: 'TOPIC_GRANULARITY_LONG', questionsCount: 5 }),
    ]);

    const stages = latestStages(bare.recordingId);
    expect(stages.get('PIPELINE_STAGE_TRIM')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED' });
    expect(stages.get('PIPELINE_STAGE_EXTRACT_TOPICS')).toMatchObject({ status: 'STAGE_STATUS_SKIPPED' });
    expect(stages.get('PIPELINE_STAGE_GENERATE_SUBTITLES')).toMatchObject({ status: 'STAGE_STATUS_SKIPPED' });
    expect(stages.get('PIPELINE_STAGE_UPLOAD:local')).toMatchObject({ status: 'STAGE_STATUS_COMPLETED' });
    const types = commandTypesOf(bare.recordingId);
    expect(types).not.toContain(MESSAGE_TYPES.transcription.ExtractTopics);
    expect(types).not.toContain(MESSAGE_TYPES.transcription.GenerateSubtitles);
    // The default trim settings are media processing's: the command names none.
    expect(commandsOf<TrimRecording>(bare.recordingId, MESSAGE_TYPES.media.TrimRecording)[0]).not.toHaveProperty('thresholdDb');
  });

  it("holds the auto-runs of a user who reached the plan's monthly processing (quota's warning at 100 %) until the owner runs them", async () => {
    const userId = 'user-processing-held';
    const period = new Date().toISOString().slice(0, 7);
    const warn = (thresholdPercent: number, at = period) =>
      dataSource.transaction((m) =>
        bus.publish(
          m,
          MESSAGE_TYPES.quota.QuotaWarningRaised,
          { userId, metric: QuotaMetric.PROCESSING, used: String(thresholdPercent / 10), limit: '10', thresholdPercent, usedPercent: thresholdPercent, period: at },
          { subject: userId, tenant: userId },
        ),
      );
    const ingestDb = ingest.app.get(DataSource);
    const holds = () => ingestDb.query(`SELECT period FROM processing_holds WHERE user_id = $1`, [userId]);
    // At 80 %, and at 100 % of another period, nothing is held: a new upload runs.
    await warn(80);
    await warn(100, '2020-01');
    await eventually(async () => expect(await holds()).toEqual([{ period: '2020-01' }]), { timeoutMs: 30_000, intervalMs: 100 });
    const before = upload('Before the limit', userId);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, before);
    await eventually(() => expect(commandTypesOf(before.recordingId)).toContain(MESSAGE_TYPES.media.TrimRecording), { timeoutMs: 30_000, intervalMs: 100 });

    await warn(100);
    await eventually(async () => expect(await holds()).toContainEqual({ period }), { timeoutMs: 30_000, intervalMs: 100 });
    const held = upload('Over the limit', userId);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, held);
    await eventually(() => expect(statusesOf(held.recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_DOWNLOADED' }), { timeoutMs: 30_000, intervalMs: 100 });
    const [row] = await ingestDb.query(`SELECT paused, pipeline_started_at AS "startedAt" FROM recordings WHERE id = $1`, [held.recordingId]);
    expect(row).toEqual({ paused: true, startedAt: null });
    expect(commandTypesOf(held.recordingId)).not.toContain(MESSAGE_TYPES.media.TrimRecording);

    // The owner runs it (the gateway asks quota first): it goes on to READY.
    expect((await ask(MESSAGE_TYPES.ingest.RunRecording, held.recordingId, userId)).stages).toEqual(['TRIM']);
    await eventually(() => expect(statusesOf(held.recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
  });

  it('lets a failed transcription through when the template allows errors: skipped with its error, topics and subtitles skipped, published; not otherwise', async () => {
    const userId = 'user-templates-allow-errors';
    await saveTemplate(userId, { name: 'Best effort', matchingRules: { keywords: ['best effort'] }, processingConfig: { transcription: { allowErrors: true } } });
    const allowed = upload(`best effort: ${FAIL_TRANSCRIBE}`, userId);
    const strict = upload(`strict: ${FAIL_TRANSCRIBE}`, userId);
    const refused = upload(`best effort: ${FAIL_TRANSCRIBE} quality`, userId);
    for (const cmd of [allowed, strict, refused]) await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);

    await eventually(() => expect(statusesOf(allowed.recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_READY' }), { timeoutMs: 60_000, intervalMs: 100 });
    const stages = latestStages(allowed.recordingId);
    expect(stages.get('PIPELINE_STAGE_TRANSCRIBE')).toMatchObject({ status: 'STAGE_STATUS_SKIPPED', error: { code: 'TRANSCRIPTION.PROVIDER_FAILED' } });
    expect(stages.get('PIPELINE_STAGE_EXTRACT_TOPICS')).toMatchObject({ status: 'STAGE_STATUS_SKIPPED' });
    expect(stages.get('PIPELINE_STAGE_GENERATE_SUBTITLES')).toMatchObject({ status: 'STAGE_STATUS_SKIPPED' });
    expect(statusesOf(allowed.recordingId).at(-1)?.failed ?? false).toBe(false);
    const types = commandTypesOf(allowed.recordingId);
    expect(types).not.toContain(MESSAGE_TYPES.transcription.ExtractTopics);
    expect(types).not.toContain(MESSAGE_TYPES.transcription.GenerateSubtitles);
    // The video is published without a transcript.
    const [publish] = commandsOf<PublishRecording>(allowed.recordingId, MESSAGE_TYPES.publishing.PublishRecording);
    expect(publish.objects.map((o) => o.kind)).not.toContain(ObjectKind.TRANSCRIPT);

    // Without allowErrors, and for a transcript the quality policy refused, the recording stops at TRANSCRIBE.
    for (const cmd of [strict, refused]) {
      await eventually(() => expect(statusesOf(cmd.recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_DOWNLOADED', failed: true }), { timeoutMs: 60_000, intervalMs: 100 });
      expect(latestStages(cmd.recordingId).get('PIPELINE_STAGE_TRANSCRIBE')).toMatchObject({ status: 'STAGE_STATUS_FAILED' });
      expect(commandTypesOf(cmd.recordingId)).not.toContain(MESSAGE_TYPES.publishing.PublishRecording);
    }
  });

  it("carries the recording's template metadata, its caption switch and its translated subtitles in the publish command", async () => {
    const userId = 'user-templates-4';
    const metadataConfig = {
      titleTemplate: 'Course: {{ display_name }}',
      common: { tags: ['course'] },
      youtube: { descriptionTemplate: '{{ summary }}', privacy: 'public' },
    };
    await saveTemplate(userId, {
      name: 'Translated course',
      matchingRules: { keywords: ['translated course'] },
      processingConfig: { transcription: { translateTo: ['de', 'fr'] } },
      metadataConfig,
      outputConfig: { uploadCaptions: false },
    });
    const course = upload('Translated course lecture', userId);
    const plain = upload('Plain seminar', userId);
    for (const cmd of [course, plain]) await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    for (const { recordingId } of [course, plain]) {
      await eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    }

    const [publish] = commandsOf<PublishRecording>(course.recordingId, MESSAGE_TYPES.publishing.PublishRecording);
    expect(publish.templateMetadata).toEqual(metadataConfig);
    expect(publish.uploadCaptions).toBe(false);
    expect(publish.translations?.map((t) => [t.language, t.srt?.key, t.vtt?.key])).toEqual(
      ['de', 'fr'].map((l) => [l, expect.stringMatching(new RegExp(`/subtitles\\.${l}\\.srt$`)), expect.stringMatching(new RegExp(`/subtitles\\.${l}\\.vtt$`))]),
    );
    // The default template: no template metadata, captions on, no translations.
    const [plainPublish] = commandsOf<PublishRecording>(plain.recordingId, MESSAGE_TYPES.publishing.PublishRecording);
    expect(plainPublish.templateMetadata ?? {}).toEqual({});
    expect(plainPublish.uploadCaptions).toBe(true);
    expect(plainPublish.translations ?? []).toEqual([]);
  });

  it("publishes to the template's presets when the recording names none, checked as the uploads start: an unknown or foreign preset fails its target alone", async () => {
    const userId = 'user-templates-3';
    const [youtube, disk, foreign, unknown, inactive] = [newMessageId(), newMessageId(), newMessageId(), newMessageId(), newMessageId()];
    knownPresets.set(youtube, { userId, platform: 'youtube', credentialId: newMessageId() });
    knownPresets.set(disk, { userId, platform: 'yandex_disk', credentialId: newMessageId() });
    knownPresets.set(foreign, { userId: 'someone-else', platform: 'youtube', credentialId: newMessageId() });
    knownPresets.set(inactive, { userId, platform: 'youtube', credentialId: newMessageId(), isActive: false });
    await saveTemplate(userId, {
      name: 'Published lectures',
      matchingRules: { keywords: ['published lecture'] },
      outputConfig: { presetIds: [youtube, disk], autoUpload: true },
    });
    await saveTemplate(userId, {
      name: 'Broken presets',
      matchingRules: { keywords: ['broken presets'] },
      outputConfig: { presetIds: [youtube, foreign, unknown, inactive], autoUpload: true },
    });
    await saveTemplate(userId, {
      name: 'Not uploaded',
      matchingRules: { keywords: ['kept here'] },
      outputConfig: { presetIds: [youtube], autoUpload: false },
    });

    const good = upload('Published lecture 1', userId);
    const broken = upload('Broken presets lecture', userId);
    const local = upload('Kept here lecture', userId);
    // The recording's own presets are the higher layer: the template's are not used then.
    const own = { ...upload('Published lecture 2', userId), outputPresets: [{ presetId: disk, platform: 'yandex_disk' }] };
    for (const cmd of [good, broken, local, own]) await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, cmd);
    for (const { recordingId } of [good, local, own]) {
      await eventually(() => expect(statusesOf(recordingId).at(-1)?.status).toBe('RECORDING_STATUS_READY'), { timeoutMs: 60_000, intervalMs: 100 });
    }
    await eventually(() => expect(statusesOf(broken.recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_UPLOADED', failed: true }), { timeoutMs: 60_000, intervalMs: 100 });

    const published = (recordingId: string) =>
      commandsOf<PublishRecording>(recordingId, MESSAGE_TYPES.publishing.PublishRecording).map((p) => [p.platform, p.presetId ?? null, p.targetId]).sort();
    expect(published(good.recordingId)).toEqual(
      [
        [Platform.LOCAL, null, 'local'],
        [Platform.YOUTUBE, youtube, presetTargetId(good.recordingId, youtube)],
        [Platform.YANDEX_DISK, disk, presetTargetId(good.recordingId, disk)],
      ].sort(),
    );
    expect(published(own.recordingId)).toEqual([[Platform.LOCAL, null, 'local'], [Platform.YANDEX_DISK, disk, presetTargetId(own.recordingId, disk)]].sort());
    expect(published(local.recordingId)).toEqual([[Platform.LOCAL, null, 'local']]);

    // The broken template: its one good preset and the local export are published, each bad one fails its own target.
    expect(published(broken.recordingId)).toEqual([[Platform.LOCAL, null, 'local'], [Platform.YOUTUBE, youtube, presetTargetId(broken.recordingId, youtube)]].sort());
    const stages = latestStages(broken.recordingId);
    expect(stages.get(`PIPELINE_STAGE_UPLOAD:${presetTargetId(broken.recordingId, youtube)}`)).toMatchObject({ status: 'STAGE_STATUS_COMPLETED' });
    for (const [presetId, why] of [[foreign, /no preset/], [unknown, /no preset/], [inactive, /not active/]] as const) {
      const failed = stages.get(`PIPELINE_STAGE_UPLOAD:${presetTargetId(broken.recordingId, presetId)}`);
      expect(failed).toMatchObject({ status: 'STAGE_STATUS_FAILED', error: { code: PRESET_INVALID } });
      expect(failed?.error?.message).toMatch(why);
    }
    expect(statusesOf(broken.recordingId).at(-1)).toMatchObject({ failedStage: 'PIPELINE_STAGE_UPLOAD', failureCode: PRESET_INVALID });

    // Two presets fixed, a run checks the rejected targets again: those two are published, the foreign one fails again.
    knownPresets.set(unknown, { userId, platform: 'yandex_disk', credentialId: newMessageId() });
    knownPresets.set(inactive, { userId, platform: 'youtube', credentialId: newMessageId(), isActive: true });
    const before = statusesOf(broken.recordingId).length;
    const run = await ask(MESSAGE_TYPES.ingest.RunRecording, broken.recordingId, userId);
    expect([...(run.stages ?? [])].sort()).toEqual([foreign, unknown, inactive].map((p) => `UPLOAD:${presetTargetId(broken.recordingId, p)}`).sort());
    await eventually(() => {
      expect(statusesOf(broken.recordingId).length).toBeGreaterThan(before);
      expect(statusesOf(broken.recordingId).at(-1)).toMatchObject({ status: 'RECORDING_STATUS_UPLOADED', failed: true, failedTarget: presetTargetId(broken.recordingId, foreign) });
    }, { timeoutMs: 60_000, intervalMs: 100 });
    expect(published(broken.recordingId)).toEqual(
      [
        [Platform.LOCAL, null, 'local'],
        [Platform.YOUTUBE, youtube, presetTargetId(broken.recordingId, youtube)],
        [Platform.YANDEX_DISK, unknown, presetTargetId(broken.recordingId, unknown)],
        [Platform.YOUTUBE, inactive, presetTargetId(broken.recordingId, inactive)],
      ].sort(),
    );
  });

  it('refuses pause and run of unknown, foreign and deleted recordings (404), and run of an expired one (409)', async () => {
    for (const type of [MESSAGE_TYPES.ingest.PauseRecording, MESSAGE_TYPES.ingest.RunRecording]) {
      expect(await refusal(type, newMessageId())).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    }
    const held = upload(HOLD_TRIM);
    await send(MESSAGE_TYPES.ingest.RegisterUploadedRecording, held);
    await eventually(() => expect(commandTypesOf(held.recordingId)).toEqual([MESSAGE_TYPES.media.TrimRecording]), { timeoutMs: 60_000, intervalMs: 100 });
    for (const type of [MESSAGE_TYPES.ingest.PauseRecording, MESSAGE_TYPES.ingest.RunRecording]) {
      expect(await refusal(type, held.recordingId, OTHER_USER)).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    }

    // The EXPIRED status itself is the read model's (from the deletion reason); ingest still refuses to run it.
    await ingest.app.get(DataSource).query(`UPDATE recordings SET status = 'EXPIRED' WHERE id = $1`, [held.recordingId]);
    expect(await refusal(MESSAGE_TYPES.ingest.RunRecording, held.recordingId)).toEqual({ code: 'INGEST.NOT_RUNNABLE', status: 409 });

    await send(MESSAGE_TYPES.ingest.DeleteRecording, { recordingId: held.recordingId, userId: USER });
    await eventually(() => expect(events.some((e) => e.recordingId === held.recordingId && e.type === MESSAGE_TYPES.ingest.RecordingDeleted)).toBe(true), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    for (const type of [MESSAGE_TYPES.ingest.PauseRecording, MESSAGE_TYPES.ingest.RunRecording]) {
      expect(await refusal(type, held.recordingId)).toEqual({ code: 'INGEST.RECORDING_NOT_FOUND', status: 404 });
    }
  });
});
