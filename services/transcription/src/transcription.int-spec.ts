import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  MESSAGE_TYPES,
  ObjectKind,
  PipelineStage,
  SubtitleFormat,
  TopicGranularity,
  type ObjectRef,
  type RecordingTranscribed,
  type SubtitlesGenerated,
  type TopicsExtracted,
  type TranscriptionFailed,
} from '@leap/contracts';
import { MessageBus, type UntypedMessages } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { transcriptionService } from './service';
import { resultsOf, resultsPeer } from './testing/results-peer';
import { SUBTITLES_QUEUE } from './subtitles/subtitles.consumer';
import type { MasterTranscript } from './transcript/master-transcript';
import type { TopicsDocument } from './topics/topics-document';

const T = MESSAGE_TYPES.transcription;
const eventsOf = resultsOf;

const USER = '0192f0c8-0000-7000-8000-00000000000a';
const SPOKEN =
  'Good morning students. Today our lecture is about the number seven. ' +
  'The lecture covers numbers, and students will learn about prime numbers today. ' +
  'A prime number has exactly two divisors. Seven is a prime number. Thank you, students.';
const DISTINCTIVE = ['lecture', 'today', 'students', 'number', 'numbers', 'prime', 'seven', 'morning', 'learn'];

function run(command: string, args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

describe('the transcription service', () => {
  let world: ServiceWorld;
  let work: string;
  let store: ObjectStore;
  /** Publishes raw fixtures, as another service would: checked against proto/ at run time only. */
  let bus: MessageBus<UntypedMessages>;
  let transcriptionBus: MessageBus;
  let transcriptionDb: DataSource;
  let sender: DataSource;
  let counter = 0;

  const recordingId = () => `0192f0c8-0000-7000-8000-${String(++counter).padStart(12, '0')}`;

  async function putAudio(recording: string, file: string): Promise<ObjectRef> {
    const key = storageKeys.audio(USER, recording);
    const stored = await store.putFile(key, file, { contentType: 'audio/mpeg' });
    return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'audio/mpeg', kind: ObjectKind.AUDIO };
  }

  async function send(type: string, data: { recordingId: string; [field: string]: unknown }): Promise<void> {
    await sender.transaction((m) => bus.send(m, type, data, { subject: data.recordingId, tenant: USER }));
  }

  beforeAll(async () => {
    world = await createServiceWorld('transcription');
    work = await world.tempDir('transcription-fixtures');
    // No quota service in this world: the monthly transcriptions gate has its own spec (transcription-quota.int-spec.ts).
    const transcription = await world.start(transcriptionService, { env: { TRANSCRIPTION_QUOTA_CHECK: 'false' } });
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
    transcriptionBus = transcription.app.get(MessageBus);
    transcriptionDb = transcription.app.get(DataSource);
    const ingest = await world.start(resultsPeer);
    bus = ingest.app.get(MessageBus);
    sender = ingest.app.get(DataSource);

    // Speech the way media-processing hands it over: MP3, 64 kbps, 16 kHz, mono.
    run('espeak-ng', ['-v', 'en-us+f2', '-s', '130', '-w', join(work, 'speech.wav'), SPOKEN]);
    run('ffmpeg', ['-v', 'error', '-y', '-i', join(work, 'speech.wav'), '-ac', '1', '-ar', '16000', '-b:a', '64k', join(work, 'speech.mp3')]);
    run('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '3', '-b:a', '64k', join(work, 'silence.mp3')]);
    await writeFile(join(work, 'garbled.mp3'), Buffer.from('this is not audio at all, just some text pretending to be an mp3 file'));
  }, 300_000);

  afterAll(() => world?.close());

  it('transcribes spoken audio, then writes subtitles and topic versions from the transcript', async () => {
    const recording = recordingId();
    const media = await putAudio(recording, join(work, 'speech.mp3'));
    await send(T.TranscribeRecording, { recordingId: recording, userId: USER, media, language: 'en', vocabulary: ['prime numbers'] });

    const [transcribed] = await eventually(
      () => {
        const events = eventsOf<RecordingTranscribed>(T.RecordingTranscribed, recording);
        expect(events).toHaveLength(1);
        return events;
      },
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    expect(transcribed!.master).toMatchObject({ key: storageKeys.masterTranscript(USER, recording), kind: ObjectKind.TRANSCRIPT, contentType: 'application/json' });
    const master = JSON.parse((await store.getBuffer(transcribed!.master.key)).toString('utf8')) as MasterTranscript;
    expect(transcribed!.wordCount).toBe(master.words.length);
    expect(Number(transcribed!.master.sizeBytes)).toBe((await store.getBuffer(transcribed!.master.key)).length);
    expect(master).toMatchObject({ version: 1, language: 'en', provider: 'pocketsphinx', stats: { wordCount: master.words.length } });
    expect(master.durationSeconds).toBeGreaterThan(8);
    expect(master.durationSeconds).toBeLessThan(30);
    const heard = new Set(master.words.map((w) => w.text.toLowerCase()));
    expect(DISTINCTIVE.filter((word) => heard.has(word)).length).toBeGreaterThanOrEqual(2);
    expect(master.words.every((w) => !/^[<[]|\(\d+\)$/.test(w.text))).toBe(true);
    expect(master.segments.length).toBeGreaterThan(0);
    for (const s of master.segments) expect(s.end - s.start).toBeLessThanOrEqual(8);

    await send(T.GenerateSubtitles, { recordingId: recording, userId: USER, transcript: transcribed!.master });
    await send(T.ExtractTopics, {
      recordingId: recording,
      userId: USER,
      transcript: transcribed!.master,
      granularity: TopicGranularity.MEDIUM,
      questionsCount: 2,
    });

    const [subtitles] = await eventually(() => {
      const events = eventsOf<SubtitlesGenerated>(T.SubtitlesGenerated, recording);
      expect(events).toHaveLength(1);
      return events;
    }, { timeoutMs: 60_000 });
    expect(subtitles!.srt).toMatchObject({ key: storageKeys.subtitles(USER, recording, 'srt'), kind: ObjectKind.SUBTITLES_SRT });
    expect(subtitles!.vtt).toMatchObject({ key: storageKeys.subtitles(USER, recording, 'vtt'), kind: ObjectKind.SUBTITLES_VTT });
    const srt = (await store.getBuffer(subtitles!.srt.key)).toString('utf8');
    const vtt = (await store.getBuffer(subtitles!.vtt.key)).toString('utf8');
    expect(srt).toMatch(/^1\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n/);
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(vtt).toMatch(/\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}\n/);
    const srtCues = srt.trim().split('\n\n');
    expect(srtCues.length).toBeGreaterThan(0);
    for (const cue of srtCues) {
      const text = cue.split('\n').slice(2);
      expect(text.length).toBeGreaterThanOrEqual(1);
      expect(text.length).toBeLessThanOrEqual(2);
      for (const line of text) expect(line.length).toBeLessThanOrEqual(42);
    }
    const spokenInSubtitles = srtCues.flatMap((c) => c.split('\n').slice(2)).join(' ');
    expect(spokenInSubtitles).toBe(master.segments.map((s) => s.text).join(' '));

    const [topics] = await eventually(() => {
      const events = eventsOf<TopicsExtracted>(T.TopicsExtracted, recording);
      expect(events).toHaveLength(1);
      return events;
    }, { timeoutMs: 60_000 });
    expect(topics).toMatchObject({ version: 1, topics: { key: storageKeys.topics(USER, recording), kind: ObjectKind.TOPICS } });
    const document = JSON.parse((await store.getBuffer(topics!.topics.key)).toString('utf8')) as TopicsDocument;
    expect(document.activeVersion).toBe(1);
    expect(document.versions).toHaveLength(1);
    const version = document.versions[0]!;
    expect(version).toMatchObject({ version: 1, granularity: 'medium' });
    expect(version.topics.length).toBe(topics!.count);
    expect(version.topics.length).toBeGreaterThan(0);
    expect(version.topics[0]!.title.length).toBeGreaterThan(0);
    expect(version.questions).toHaveLength(2);
    expect(version.summary.length).toBeGreaterThan(0);

    // Re-running the stage adds a version and makes it the active one.
    await send(T.ExtractTopics, { recordingId: recording, userId: USER, transcript: transcribed!.master, granularity: TopicGranularity.LONG });
    await eventually(() => expect(eventsOf<TopicsExtracted>(T.TopicsExtracted, recording).map((e) => e.version)).toEqual([1, 2]), {
      timeoutMs: 60_000,
    });
    const rerun = JSON.parse((await store.getBuffer(topics!.topics.key)).toString('utf8')) as TopicsDocument;
    expect(rerun.activeVersion).toBe(2);
    expect(rerun.versions.map((v) => [v.version, v.granularity, v.questions.length])).toEqual([
      [1, 'medium', 2],
      [2, 'long', 3],
    ]);
  }, 300_000);

  it.each([
    ['silence', 'silence.mp3', 'TRANSCRIPTION.NO_SPEECH'],
    ['bytes that are not audio', 'garbled.mp3', 'TRANSCRIPTION.INPUT_INVALID'],
    ['no audio at all', undefined, 'TRANSCRIPTION.INPUT_MISSING'],
  ])('reports %s as a failed TRANSCRIBE stage with a stable code', async (_what, fixture, code) => {
    const recording = recordingId();
    const media: ObjectRef = fixture
      ? await putAudio(recording, join(work, fixture))
      : { key: storageKeys.audio(USER, recording), sizeBytes: '1000', kind: ObjectKind.AUDIO };
    await send(T.TranscribeRecording, { recordingId: recording, userId: USER, media });
    const [failed] = await eventually(() => {
      const events = eventsOf<TranscriptionFailed>(T.TranscriptionFailed, recording);
      expect(events).toHaveLength(1);
      return events;
    }, { timeoutMs: 120_000, intervalMs: 200 });
    expect(failed).toMatchObject({ recordingId: recording, userId: USER, stage: PipelineStage.TRANSCRIBE, error: { code, retryable: false } });
    expect(failed!.error.message.length).toBeGreaterThan(0);
    expect(eventsOf(T.RecordingTranscribed, recording)).toEqual([]);
    expect(await store.exists(storageKeys.masterTranscript(USER, recording))).toBe(false);
  }, 300_000);

  it('refuses a transcript that is not one, for subtitles and topics alike', async () => {
    const recording = recordingId();
    const key = storageKeys.masterTranscript(USER, recording);
    const stored = await store.put(key, '{"hello":"world"}', { contentType: 'application/json' });
    const transcript: ObjectRef = { key, sizeBytes: String(stored.sizeBytes), kind: ObjectKind.TRANSCRIPT };
    await send(T.GenerateSubtitles, { recordingId: recording, userId: USER, transcript });
    await send(T.ExtractTopics, { recordingId: recording, userId: USER, transcript });
    await eventually(() => {
      const failures = eventsOf<TranscriptionFailed>(T.TranscriptionFailed, recording);
      expect(failures.map((f) => [f.stage, f.error.code]).sort()).toEqual([
        [PipelineStage.EXTRACT_TOPICS, 'TRANSCRIPTION.INPUT_INVALID'],
        [PipelineStage.GENERATE_SUBTITLES, 'TRANSCRIPTION.INPUT_INVALID'],
      ]);
    }, { timeoutMs: 60_000 });
    expect(await store.exists(storageKeys.topics(USER, recording))).toBe(false);
    expect(await store.exists(storageKeys.subtitles(USER, recording, 'srt'))).toBe(false);
  }, 300_000);

  it('reports a job whose attempts ran out as a failed stage, and the command sent again once the store is back proceeds', async () => {
    const recording = recordingId();
    const key = storageKeys.masterTranscript(USER, recording);
    // A folder where the transcript should be: every read fails with TRANSCRIPTION.STORAGE_UNAVAILABLE (retryable).
    const blocker = join(world.storageRoot, ...key.split('/'));
    await mkdir(blocker, { recursive: true });
    const transcript: ObjectRef = { key, sizeBytes: '200', kind: ObjectKind.TRANSCRIPT };
    await send(T.GenerateSubtitles, { recordingId: recording, userId: USER, transcript });

    const [failed] = await eventually(() => {
      const events = eventsOf<TranscriptionFailed>(T.TranscriptionFailed, recording);
      expect(events).toHaveLength(1);
      return events;
    }, { timeoutMs: 30_000 });
    expect(failed).toMatchObject({
      recordingId: recording,
      userId: USER,
      stage: PipelineStage.GENERATE_SUBTITLES,
      error: { code: 'TRANSCRIPTION.RETRIES_EXHAUSTED', retryable: false },
    });
    // The world allows two attempts.
    expect(failed!.error.message).toMatch(/^Gave up after 2 attempts; last error TRANSCRIPTION.STORAGE_UNAVAILABLE: The object store failed on /);
    // Nothing is parked: the failure is the job's, and operators see it there.
    expect(await transcriptionBus.parked(SUBTITLES_QUEUE)).toEqual([]);
    const jobs = await transcriptionDb.query(`SELECT state, attempts, error_code FROM transcription.jobs WHERE subject = $1`, [recording]);
    expect(jobs).toEqual([{ state: 'failed', attempts: 2, error_code: 'TRANSCRIPTION.STORAGE_UNAVAILABLE' }]);

    // The store is back and holds the transcript: the command sent again (as a run of the recording does) succeeds.
    await rm(blocker, { recursive: true });
    const master = { version: 1, language: 'en', provider: 'test', model: 'test', durationSeconds: 2, words: [], segments: [{ start: 0, end: 2, text: 'Hello students.' }], stats: { wordCount: 0 } };
    await store.put(key, JSON.stringify(master), { contentType: 'application/json' });
    await send(T.GenerateSubtitles, { recordingId: recording, userId: USER, transcript });
    await eventually(() => expect(eventsOf<SubtitlesGenerated>(T.SubtitlesGenerated, recording)).toHaveLength(1), { timeoutMs: 30_000 });
    expect((await store.getBuffer(storageKeys.subtitles(USER, recording, 'srt'))).toString('utf8')).toContain('Hello students.');
    expect(eventsOf(T.TranscriptionFailed, recording)).toHaveLength(1);
  }, 300_000);

  it('writes only the subtitle formats a command names, keeping the other file byte for byte', async () => {
    const recording = recordingId();
    const key = storageKeys.masterTranscript(USER, recording);
    const srtKey = storageKeys.subtitles(USER, recording, 'srt');
    const vttKey = storageKeys.subtitles(USER, recording, 'vtt');
    const putTranscript = async (text: string): Promise<ObjectRef> => {
      const master = { version: 1, language: 'en', provider: 'test', model: 'test', durationSeconds: 2, words: [], segments: [{ start: 0, end: 2, text }] };
      const stored = await store.put(key, JSON.stringify(master), { contentType: 'application/json' });
      return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'application/json', kind: ObjectKind.TRANSCRIPT };
    };
    const generated = async (count: number) =>
      eventually(() => {
        const events = eventsOf<SubtitlesGenerated>(T.SubtitlesGenerated, recording);
        expect(events).toHaveLength(count);
        return events.at(-1)!;
      }, { timeoutMs: 30_000 });
    const text = async (k: string) => (await store.getBuffer(k)).toString('utf8');

    // Only VTT asked, but there is no SRT yet: both are written, so the recording never lacks a format.
    await send(T.GenerateSubtitles, { recordingId: recording, userId: USER, transcript: await putTranscript('Hello students.'), formats: [SubtitleFormat.VTT] });
    const first = await generated(1);
    expect(await text(srtKey)).toContain('Hello students.');
    expect(await text(vttKey)).toContain('Hello students.');
    const srtBefore = await store.head(srtKey);

    // A new transcript, VTT asked: the VTT follows it, the SRT keeps its bytes and the event carries it as it was.
    await send(T.GenerateSubtitles, { recordingId: recording, userId: USER, transcript: await putTranscript('Goodbye students.'), formats: [SubtitleFormat.VTT] });
    const second = await generated(2);
    expect(await text(vttKey)).toContain('Goodbye students.');
    expect(await text(srtKey)).toContain('Hello students.');
    expect(await store.head(srtKey)).toMatchObject({ sizeBytes: srtBefore!.sizeBytes, checksumSha256: srtBefore!.checksumSha256 });
    expect(second.srt).toEqual(first.srt);
    expect(second.vtt.checksumSha256).not.toBe(first.vtt.checksumSha256);

    // No formats named: both are written.
    await send(T.GenerateSubtitles, { recordingId: recording, userId: USER, transcript: await putTranscript('Goodbye students.') });
    const third = await generated(3);
    expect(await text(srtKey)).toContain('Goodbye students.');
    expect(third.srt.checksumSha256).not.toBe(first.srt.checksumSha256);
    expect(third.vtt).toEqual(second.vtt);
  }, 120_000);
});
