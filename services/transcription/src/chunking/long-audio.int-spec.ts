import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { MESSAGE_TYPES, ObjectKind, type ObjectRef, type RecordingTranscribed } from '@leap/contracts';
import { runFfmpeg } from '@leap/media-tools';
import { MessageBus } from '@leap/messaging';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import {
  eventually,
  startFakeAssemblyAi,
  startFakeOpenAiTranscription,
  toneWordsRecogniser,
  type FakeAssemblyAi,
  type FakeOpenAiTranscription,
  type ToneWord,
} from '@leap/testing';
import { transcriptionService } from '../service';
import { observed, resultsPeer } from '../testing/results-peer';
import type { MasterTranscript } from '../transcript/master-transcript';

const T = MESSAGE_TYPES.transcription;
const { transcribed, failed } = observed;

const USER = '0192f0c8-0000-7000-8000-0000000000d1';
const LECTURE_SECONDS = 30 * 60;
/** "Speech": a 3 s tone at the start of every 11.7 s; the fakes hear each as the filler word. */
const SLOT_SECONDS = 11.7;
const SPEECH_SECONDS = 3;
/** Marker words: a tone of a length of its own, in the silent part of a slot, at a known time. */
const LEXICON: ToneWord[] = [
  { seconds: 0.5, text: 'alpha' },
  { seconds: 0.8, text: 'bravo' },
  { seconds: 1.1, text: 'charlie' },
  { seconds: 1.4, text: 'delta' },
  { seconds: 1.7, text: 'echo' },
];
const MARKERS = [
  { text: 'alpha', at: 5 * SLOT_SECONDS + 5.8 },
  { text: 'bravo', at: 25 * SLOT_SECONDS + 6.2 },
  { text: 'charlie', at: 51 * SLOT_SECONDS + 4.9 },
  { text: 'delta', at: 102 * SLOT_SECONDS + 6.6 },
  { text: 'echo', at: 152 * SLOT_SECONDS + 5.1 },
];
/** Chunks of at most five minutes: a 30-minute lecture makes at least six. */
const MAX_CHUNK_SECONDS = 300;

/**
 * A generated 30-minute lecture through the OpenAI-compatible fake: cut at silences into chunks,
 * transcribed in parallel, stitched; each known word lands where it was "spoken". Then the same
 * with the first provider failing half-way: AssemblyAI finishes, and no finished chunk is sent
 * again, to either fake.
 */
describe('long audio in chunks, through the fake providers', () => {
  let world: ServiceWorld;
  let store: ObjectStore;
  let bus: MessageBus;
  let sender: DataSource;
  let db: DataSource;
  let openai: FakeOpenAiTranscription;
  let assemblyai: FakeAssemblyAi;
  let lecture: string;
  let counter = 0;

  const recordingId = () => `0192f0c8-0000-7000-8000-${String(++counter).padStart(12, '0')}`;

  async function transcribe(recording: string, meanwhile?: () => Promise<void>): Promise<{ event: RecordingTranscribed; master: MasterTranscript }> {
    const key = storageKeys.audio(USER, recording);
    const stored = await store.putFile(key, lecture, { contentType: 'audio/mpeg' });
    const media: ObjectRef = { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'audio/mpeg', kind: ObjectKind.AUDIO };
    await sender.transaction((m) => bus.send(m, T.TranscribeRecording, { recordingId: recording, userId: USER, media, language: 'en', vocabulary: ['Tones and markers'] }, { subject: recording, tenant: USER }));
    await meanwhile?.();
    const event = await eventually(
      () => {
        expect(failed.filter((f) => f.recordingId === recording)).toEqual([]);
        const done = transcribed.find((e) => e.recordingId === recording);
        expect(done).toBeDefined();
        return done!;
      },
      { timeoutMs: 240_000, intervalMs: 250 },
    );
    const master = JSON.parse((await store.getBuffer(event.master.key)).toString('utf8')) as MasterTranscript;
    return { event, master };
  }

  function expectMarkersInPlace(master: MasterTranscript): void {
    for (const marker of MARKERS) {
      const heard = master.words.filter((w) => w.text === marker.text);
      expect({ marker: marker.text, count: heard.length }).toEqual({ marker: marker.text, count: 1 });
      expect({ marker: marker.text, off: Math.abs(heard[0]!.start - marker.at) <= 0.5 }).toEqual({ marker: marker.text, off: true });
    }
    // Every slot's speech is there once, in order: nothing lost or doubled at the cuts.
    const fillers = master.words.filter((w) => w.text === 'um');
    expect(fillers).toHaveLength(Math.ceil(LECTURE_SECONDS / SLOT_SECONDS));
    fillers.forEach((w, i) => expect(Math.abs(w.start - i * SLOT_SECONDS)).toBeLessThanOrEqual(0.5));
  }

  beforeAll(async () => {
    const recognise = toneWordsRecogniser(LEXICON, { filler: 'um' });
    openai = await startFakeOpenAiTranscription({ recognise });
    assemblyai = await startFakeAssemblyAi({ recognise });
    world = await createServiceWorld('transcription_long_audio');
    const work = await world.tempDir('long-audio');
    lecture = join(work, 'lecture.mp3');
    const speech = `lt(mod(t\\,${SLOT_SECONDS})\\,${SPEECH_SECONDS})`;
    const markers = MARKERS.map((m) => `between(t\\,${m.at}\\,${m.at + LEXICON.find((w) => w.text === m.text)!.seconds})`).join('+');
    await runFfmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=0.5*sin(2*PI*440*t)*(${speech}+${markers}):s=16000:d=${LECTURE_SECONDS}`, '-ac', '1', '-b:a', '64k', lecture]);
    const transcription = await world.start(transcriptionService, {
      env: {
        // No quota service in this world: the monthly transcriptions gate has its own spec.
        TRANSCRIPTION_QUOTA_CHECK: 'false',
        TRANSCRIPTION_PROVIDERS: 'openai,assemblyai',
        OPENAI_TRANSCRIPTION_BASE_URL: openai.url,
        OPENAI_TRANSCRIPTION_API_KEY: openai.apiKey,
        OPENAI_TRANSCRIPTION_MODEL: 'whisper-large-v3',
        ASSEMBLYAI_BASE_URL: assemblyai.url,
        ASSEMBLYAI_API_KEY: assemblyai.apiKey,
        ASSEMBLYAI_POLL_INTERVAL: '20ms',
        TRANSCRIPTION_MAX_CHUNK_SECONDS: String(MAX_CHUNK_SECONDS),
        TRANSCRIPTION_CHUNK_CONCURRENCY: '4',
        TRANSCRIPTION_PROVIDER_ATTEMPTS: '2',
        TRANSCRIPTION_RETRY_BACKOFF: '10ms',
        // A failed attempt waits two seconds for the next: time enough to see it between the two.
        JOBS_MAX_ATTEMPTS: '3',
        JOBS_RETRY_BACKOFF: '2s',
        JOBS_RETRY_BACKOFF_MAX: '2s',
      },
    });
    store = transcription.app.get<ObjectStore>(OBJECT_STORE);
    db = transcription.app.get(DataSource);
    const ingest = await world.start(resultsPeer);
    bus = ingest.app.get(MessageBus);
    sender = ingest.app.get(DataSource);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await openai?.close();
    await assemblyai?.close();
  });

  it('cuts a 30-minute lecture at silences, transcribes the chunks in parallel and puts every known word within 0.5 s of its time', async () => {
    const recording = recordingId();
    const { event, master } = await transcribe(recording);
    const parts = master.parts!;
    expect(parts.length).toBeGreaterThanOrEqual(6);
    for (const p of parts) expect(p.end - p.start).toBeLessThanOrEqual(MAX_CHUNK_SECONDS);
    expect(parts[0]!.start).toBe(0);
    expect(parts.at(-1)!.end).toBeCloseTo(LECTURE_SECONDS, 0);
    expect(parts.every((p) => p.provider === 'openai' && p.model === 'whisper-large-v3')).toBe(true);
    expect(openai.received).toHaveLength(parts.length);
    expect(openai.maxInFlight).toBeGreaterThan(1);
    expect(openai.maxInFlight).toBeLessThanOrEqual(4);
    expect(openai.received.every((r) => r.params.prompt === 'Tones and markers' && r.params.language === 'en')).toBe(true);
    expectMarkersInPlace(master);
    expect(master).toMatchObject({ provider: 'openai', language: 'en' });
    expect(master.durationSeconds).toBeCloseTo(LECTURE_SECONDS, 0);
    // The cost is in the result event: the audio each provider was sent.
    expect(event.usage).toEqual([{ provider: 'openai', model: 'whisper-large-v3', audioSeconds: expect.any(Number), chunks: parts.length }]);
    expect(event.usage![0]!.audioSeconds).toBeCloseTo(LECTURE_SECONDS, -1);
    // The finished chunks were forgotten with the commit.
    expect(await db.query(`SELECT count(*)::int AS n FROM transcript_chunks WHERE recording_id = $1`, [recording])).toEqual([{ n: 0 }]);
  }, 300_000);

  it('hands the remaining chunks to AssemblyAI when the first provider fails half-way, and sends no finished chunk twice', async () => {
    const recording = recordingId();
    const before = { openai: openai.received.length, assemblyai: assemblyai.received.length };
    openai.outageAfter = { transcriptions: openai.transcribed().length + 3, fault: { status: 503 } };
    try {
      const { event, master } = await transcribe(recording);
      const parts = master.parts!;
      const byOpenai = parts.filter((p) => p.provider === 'openai');
      const byAssembly = parts.filter((p) => p.provider === 'assemblyai');
      expect(byOpenai.length).toBeGreaterThanOrEqual(3);
      expect(byAssembly.length).toBeGreaterThanOrEqual(1);
      expect(byOpenai.length + byAssembly.length).toBe(parts.length);
      expect(master.provider).toBe('openai,assemblyai');
      expectMarkersInPlace(master);

      const atOpenai = openai.received.slice(before.openai);
      const atAssembly = assemblyai.received.slice(before.assemblyai);
      // Each chunk was transcribed exactly once, by one of the two.
      expect(atOpenai.filter((r) => r.outcome === 'transcribed')).toHaveLength(byOpenai.length);
      expect(atAssembly.filter((r) => r.outcome === 'transcribed')).toHaveLength(byAssembly.length);
      expect(atAssembly).toHaveLength(byAssembly.length);
      // What openai was sent after it went down failed there (the outage's 503), and went on to AssemblyAI.
      const failedAtOpenai = atOpenai.filter((r) => r.outcome !== 'transcribed');
      expect(failedAtOpenai.length).toBeGreaterThanOrEqual(2);
      expect(failedAtOpenai.every((r) => r.outcome === 503)).toBe(true);
      expect(atAssembly.every((r) => r.params.keyterms_prompt !== undefined)).toBe(true);
      expect(event.usage!.map((u) => [u.provider, u.chunks])).toEqual([
        ['openai', byOpenai.length],
        ['assemblyai', byAssembly.length],
      ]);
    } finally {
      openai.outageAfter = undefined;
    }
  }, 300_000);

  it('keeps the chunks an attempt finished, so the next attempt of the job sends only the rest', async () => {
    const recording = recordingId();
    const before = { openai: openai.received.length, assemblyai: assemblyai.received.length };
    // Both providers go down after three chunks between them: the attempt fails (retryable).
    openai.outageAfter = { transcriptions: openai.transcribed().length + 3, fault: { status: 503 } };
    assemblyai.outageAfter = { transcriptions: assemblyai.transcribed().length, fault: { status: 429, retryAfterSeconds: 0 } };
    let keptBetween = 0;
    const { master } = await transcribe(recording, async () => {
      const [job] = await eventually(
        async () => {
          const jobs = (await db.query(`SELECT state, attempts, error_code FROM jobs WHERE subject = $1`, [recording])) as Array<{ state: string; attempts: number; error_code: string | null }>;
          expect(jobs).toEqual([{ state: 'queued', attempts: 1, error_code: expect.stringMatching(/^TRANSCRIPTION\.PROVIDER_/) }]);
          return jobs;
        },
        { timeoutMs: 120_000, intervalMs: 50 },
      );
      expect(job).toBeDefined();
      keptBetween = ((await db.query(`SELECT count(*)::int AS n FROM transcript_chunks WHERE recording_id = $1`, [recording])) as Array<{ n: number }>)[0]!.n;
      // The providers are back before the next attempt.
      openai.outageAfter = undefined;
      assemblyai.outageAfter = undefined;
    });
    // Three or more (the requests already under way when the outage began finish), never all.
    expect(keptBetween).toBeGreaterThanOrEqual(3);
    expect(keptBetween).toBeLessThan(master.parts!.length);
    expectMarkersInPlace(master);
    const succeeded = [...openai.received.slice(before.openai), ...assemblyai.received.slice(before.assemblyai)].filter((r) => r.outcome === 'transcribed');
    expect(succeeded).toHaveLength(master.parts!.length);
    expect(await db.query(`SELECT attempts, state FROM jobs WHERE subject = $1`, [recording])).toEqual([{ attempts: 2, state: 'completed' }]);
  }, 300_000);
});
