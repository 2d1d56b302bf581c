import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  type MediaProcessingFailed,
  type ObjectRef,
  type RecordingTrimmed,
  type TrimRecording,
} from '@leap/contracts';
import { detectSilences, ffprobe } from '@leap/media-tools';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import { OBJECT_STORE, type ServiceDefinition } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, generateLecture } from '@leap/testing';
import { mediaProcessingService } from './service';

const M = MESSAGE_TYPES.media;
const received: Array<{ type: string; data: unknown }> = [];
const eventsOf = <D>(type: string, recordingId: string): D[] =>
  received.filter((r) => r.type === type && (r.data as { recordingId: string }).recordingId === recordingId).map((r) => r.data as D);

/** Stands in for ingest: records what media-processing publishes. */
@Injectable()
class ResultsRecorder {
  @MessageHandler(M.RecordingTrimmed, { queue: 'ingest.media-results' })
  async trimmed(ctx: MessageContext<RecordingTrimmed>) {
    received.push({ type: ctx.envelope.type, data: ctx.data });
  }
  @MessageHandler(M.MediaProcessingFailed, { queue: 'ingest.media-results' })
  async failed(ctx: MessageContext<MediaProcessingFailed>) {
    received.push({ type: ctx.envelope.type, data: ctx.data });
  }
}

@Module({ providers: [ResultsRecorder] })
class RecorderModule {}

const ingestStandIn: ServiceDefinition = {
  name: 'ingest',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [{ queue: 'ingest.media-results', types: [M.RecordingTrimmed, M.MediaProcessingFailed] }],
  imports: [RecorderModule],
};

const USER = '0192f0c8-0000-7000-8000-0000000000b1';

describe('the media-processing service', () => {
  let world: ServiceWorld;
  let work: string;
  let store: ObjectStore;
  let bus: MessageBus;
  let sender: DataSource;
  let counter = 0;

  const recordingId = () => `0192f0c8-0000-7000-8000-${String(++counter).padStart(12, '0')}`;

  async function putSource(recording: string, file: string, extension: string): Promise<ObjectRef> {
    const key = storageKeys.source(USER, recording, extension);
    const stored = await store.putFile(key, file, { contentType: `video/${extension}` });
    return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: `video/${extension}`, kind: ObjectKind.SOURCE };
  }

  async function trim(command: TrimRecording): Promise<void> {
    await sender.transaction((m) => bus.send(m, M.TrimRecording, command, { subject: command.recordingId, tenant: USER }));
  }

  async function resultOf<D>(type: string, recording: string): Promise<D> {
    const [event] = await eventually(
      () => {
        const events = eventsOf<D>(type, recording);
        expect(events).toHaveLength(1);
        return events;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    return event!;
  }

  async function expectStored(ref: ObjectRef): Promise<string> {
    const bytes = await store.getBuffer(ref.key);
    expect(String(bytes.length)).toBe(ref.sizeBytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(ref.checksumSha256);
    const path = join(work, `${counter}-${ref.key.split('/').pop()}`);
    await writeFile(path, bytes);
    return path;
  }

  beforeAll(async () => {
    world = await createServiceWorld('media_processing');
    work = await world.tempDir('media-fixtures');
    const media = await world.start(mediaProcessingService);
    store = media.app.get<ObjectStore>(OBJECT_STORE);
    const ingest = await world.start(ingestStandIn);
    bus = ingest.app.get(MessageBus);
    sender = ingest.app.get(DataSource);
  }, 300_000);

  afterAll(() => world?.close());

  it('cuts leading and trailing silence down to the padding and extracts the audio for recognition', async () => {
    const lecture = await generateLecture({ dir: work, durationSeconds: 40, leadingSilenceSeconds: 6, trailingSilenceSeconds: 7, middleSilenceSeconds: 4 });
    const recording = recordingId();
    const source = await putSource(recording, lecture.path, 'mp4');
    await trim({ recordingId: recording, userId: USER, source });

    const trimmed = await resultOf<RecordingTrimmed>(M.RecordingTrimmed, recording);
    expect(trimmed.sourceDurationSeconds).toBeCloseTo(40, 0);
    expect(trimmed.trimmedHeadSeconds).toBeCloseTo(1, 0);
    expect(trimmed.trimmedTailSeconds).toBeCloseTo(2, 0);
    expect(Math.abs(Number(trimmed.trimmedDurationSeconds) - (40 - 1 - 2))).toBeLessThan(1);
    expect(trimmed.video).toMatchObject({ key: storageKeys.video(USER, recording, 'mp4'), kind: ObjectKind.VIDEO, contentType: 'video/mp4' });
    expect(trimmed.audio).toMatchObject({ key: storageKeys.audio(USER, recording), kind: ObjectKind.AUDIO, contentType: 'audio/mpeg' });

    const videoPath = await expectStored(trimmed.video);
    const video = await ffprobe(videoPath);
    expect(video.streams.map((s) => s.codecName)).toEqual(['h264', 'aac']);
    expect(Math.abs(video.durationSeconds! - 37)).toBeLessThan(1);

    const audioPath = await expectStored(trimmed.audio);
    const audio = await ffprobe(audioPath);
    expect(audio.formatNames).toEqual(['mp3']);
    expect(audio.streams).toHaveLength(1);
    expect(audio.streams[0]).toMatchObject({ codecType: 'audio', codecName: 'mp3', sampleRate: 16000, channels: 1 });
    expect(Math.round(audio.bitRate! / 1000)).toBe(64);
    expect(Math.abs(audio.durationSeconds! - 37)).toBeLessThan(1);

    // The middle silence is kept, shifted by what was cut at the start; head and tail keep 5 s of padding.
    const { silences } = await detectSilences(audioPath, { thresholdDb: -40, minSilenceSeconds: 2 });
    const expected = [
      [0, 5],
      [lecture.middleSilence!.start - 1, lecture.middleSilence!.end - 1],
      [32, 37],
    ];
    expect(silences).toHaveLength(expected.length);
    silences.forEach((s, i) => {
      expect(Math.abs(s.start - expected[i]![0]!)).toBeLessThan(0.3);
      expect(Math.abs(s.end - expected[i]![1]!)).toBeLessThan(0.3);
    });
  });

  it('keeps a webm source in webm and takes the command’s own settings', async () => {
    const lecture = await generateLecture({ dir: work, durationSeconds: 24, leadingSilenceSeconds: 5, trailingSilenceSeconds: 5, format: 'webm' });
    const recording = recordingId();
    const source = await putSource(recording, lecture.path, 'webm');
    await trim({ recordingId: recording, userId: USER, source, paddingSeconds: 1, minSilenceSeconds: 1, thresholdDb: -35 });

    const trimmed = await resultOf<RecordingTrimmed>(M.RecordingTrimmed, recording);
    expect(trimmed.video).toMatchObject({ key: storageKeys.video(USER, recording, 'webm'), contentType: 'video/webm' });
    expect(trimmed.trimmedHeadSeconds).toBeCloseTo(4, 0);
    expect(trimmed.trimmedTailSeconds).toBeCloseTo(4, 0);
    const video = await ffprobe(await expectStored(trimmed.video));
    expect(video.formatNames).toContain('webm');
    expect(video.streams.map((s) => s.codecName)).toEqual(['vp8', 'opus']);
  });

  it('reuses the source as the video when there is sound throughout', async () => {
    const lecture = await generateLecture({ dir: work, durationSeconds: 15, leadingSilenceSeconds: 0.5, trailingSilenceSeconds: 0.5, format: 'mkv', fileName: 'loud.mkv' });
    const recording = recordingId();
    const source = await putSource(recording, lecture.path, 'mkv');
    await trim({ recordingId: recording, userId: USER, source });

    const trimmed = await resultOf<RecordingTrimmed>(M.RecordingTrimmed, recording);
    expect(trimmed.video).toMatchObject({ key: source.key, sizeBytes: source.sizeBytes, checksumSha256: source.checksumSha256, kind: ObjectKind.SOURCE });
    expect(trimmed).toMatchObject({ trimmedHeadSeconds: 0, trimmedTailSeconds: 0 });
    expect(trimmed.trimmedDurationSeconds).toBeCloseTo(15, 0);
    expect(await store.exists(storageKeys.video(USER, recording, 'mkv'))).toBe(false);
    const audio = await ffprobe(await expectStored(trimmed.audio));
    expect(audio.streams[0]).toMatchObject({ codecName: 'mp3', sampleRate: 16000, channels: 1 });
  });

  it('reports a text file named .mp4 as an invalid source instead of trimming it', async () => {
    const recording = recordingId();
    const file = join(work, 'not-a-video.mp4');
    await writeFile(file, 'This is a lecture, honestly. '.repeat(100));
    const source = await putSource(recording, file, 'mp4');
    await trim({ recordingId: recording, userId: USER, source });

    const failed = await resultOf<MediaProcessingFailed>(M.MediaProcessingFailed, recording);
    expect(failed).toMatchObject({ recordingId: recording, userId: USER, stage: PipelineStage.TRIM, error: { code: 'MEDIA.INVALID_SOURCE', retryable: false } });
    expect(failed.error.message).toMatch(/not in a known media container/);
    expect(eventsOf(M.RecordingTrimmed, recording)).toEqual([]);
    expect(await store.exists(storageKeys.audio(USER, recording))).toBe(false);
  });

  it('reports an HTML page saved as the video and a missing source with their own codes', async () => {
    const page = recordingId();
    const file = join(work, 'login.mp4');
    await writeFile(file, '<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in</body></html>');
    await trim({ recordingId: page, userId: USER, source: await putSource(page, file, 'mp4') });
    const missing = recordingId();
    await trim({
      recordingId: missing,
      userId: USER,
      source: { key: storageKeys.source(USER, missing, 'mp4'), sizeBytes: '1000', kind: ObjectKind.SOURCE },
    });

    const pageFailure = await resultOf<MediaProcessingFailed>(M.MediaProcessingFailed, page);
    expect(pageFailure.error.code).toBe('MEDIA.INVALID_SOURCE');
    expect(pageFailure.error.message).toMatch(/HTML/);
    const missingFailure = await resultOf<MediaProcessingFailed>(M.MediaProcessingFailed, missing);
    expect(missingFailure.error.code).toBe('MEDIA.SOURCE_MISSING');
  });
});
