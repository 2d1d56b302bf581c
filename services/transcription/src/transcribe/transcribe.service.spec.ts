import { writeFile } from 'node:fs/promises';
import { ObjectKind, QualityPolicy, type TranscribeRecording } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { ObjectNotFoundError, storageKeys, type ObjectStore } from '@leap/storage-client';
import { ChunkedTranscription } from '../chunking/chunked-transcription';
import type { ChunkAudio } from '../chunking/chunk-audio';
import type { TranscriptionProvider } from '../recognition/transcription-provider';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import { TranscribeService } from './transcribe.service';

const USER = 'user-1';
const RECORDING = 'rec-1';
const command: TranscribeRecording = {
  recordingId: RECORDING,
  userId: USER,
  media: { key: storageKeys.audio(USER, RECORDING), sizeBytes: '10', kind: ObjectKind.AUDIO },
};

/** An object store that fails any call the test did not set up. */
function store(overrides: Partial<ObjectStore>): ObjectStore {
  return new Proxy(overrides as ObjectStore, {
    get(target, name) {
      if (name in target) return target[name as keyof ObjectStore];
      if (name === 'then') return undefined;
      return () => {
        throw new Error(`unexpected call to store.${String(name)}`);
      };
    },
  });
}

/** An offline-like provider (no chunk limits, so the media goes whole) behind the real chunked transcription. */
function provider(words: Array<{ text: string; start: number; end: number }>): ChunkedTranscription & { inputs: string[]; vocabularies: unknown[] } {
  const inputs: string[] = [];
  const vocabularies: unknown[] = [];
  const fake: TranscriptionProvider = {
    name: 'fake',
    model: 'fake-1',
    limits: { maxSeconds: Infinity, maxBytes: Infinity },
    transcribe: async (path, options) => (inputs.push(path), vocabularies.push(options.vocabulary), { language: 'en', durationSeconds: 5, words }),
  };
  const noAudio = new Proxy({} as ChunkAudio, { get: (_t, name) => () => Promise.reject(new Error(`unexpected call to audio.${String(name)}`)) });
  const results = { load: async () => [], save: async () => undefined };
  return Object.assign(new ChunkedTranscription([fake], noAudio, results, { concurrency: 1, attemptsPerProvider: 1, backoffMs: 1 }), { inputs, vocabularies });
}

async function failure(promise: Promise<unknown>): Promise<LeapError> {
  try {
    await promise;
  } catch (error) {
    return error as LeapError;
  }
  throw new Error('expected a failure');
}

describe('TranscribeService', () => {
  it('stores master.json at the recording key and returns its reference', async () => {
    const written: Record<string, string> = {};
    const objects = new RecordingObjectsRepository(
      store({
        getToFile: async (_key, path) => writeFile(path, 'mp3'),
        put: async (key, body) => {
          written[key] = String(body);
          return { key, sizeBytes: Buffer.byteLength(String(body)), checksumSha256: 'abc' };
        },
      }),
    );
    const fake = provider([{ text: 'hello', start: 0, end: 0.5 }]);
    const { ref, master } = await new TranscribeService(objects, fake).transcribe(command);
    const key = storageKeys.masterTranscript(USER, RECORDING);
    expect(ref).toEqual({ key, sizeBytes: String(Buffer.byteLength(written[key]!)), checksumSha256: 'abc', contentType: 'application/json', kind: ObjectKind.TRANSCRIPT });
    expect(JSON.parse(written[key]!)).toEqual(master);
    expect(master).toMatchObject({ provider: 'fake', model: 'fake-1', segments: [{ start: 0, end: 0.5, text: 'hello' }] });
    expect(fake.inputs[0]).toMatch(/leap-transcribe-.*input\.mp3$/);
    expect(master).toMatchObject({ parts: [{ chunk: 0, start: 0, end: 5, provider: 'fake', model: 'fake-1' }], usage: [{ provider: 'fake', audioSeconds: 5, chunks: 1 }] });
  });

  it('gives the providers the key terms of the title and vocabulary', async () => {
    const objects = new RecordingObjectsRepository(
      store({
        getToFile: async (_key, path) => writeFile(path, 'mp3'),
        put: async (key, body) => ({ key, sizeBytes: Buffer.byteLength(String(body)), checksumSha256: 'abc' }),
      }),
    );
    const fake = provider([{ text: 'hello', start: 0, end: 0.5 }]);
    await new TranscribeService(objects, fake).transcribe({ ...command, vocabulary: ['Lecture  one', 'lecture one', 'Primes', ''] });
    expect(fake.vocabularies).toEqual([['Lecture one', 'Primes']]);
  });

  it('fails with TRANSCRIPTION.NO_SPEECH, not retryable, when nothing was recognised', async () => {
    const objects = new RecordingObjectsRepository(store({ getToFile: async (_key, path) => writeFile(path, 'mp3') }));
    const error = await failure(new TranscribeService(objects, provider([])).transcribe(command));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.NO_SPEECH', retryable: false });
  });

  it('fails with TRANSCRIPTION.INPUT_MISSING when the audio is not in storage', async () => {
    const objects = new RecordingObjectsRepository(store({ getToFile: async (key) => Promise.reject(new ObjectNotFoundError(key)) }));
    const error = await failure(new TranscribeService(objects, provider([])).transcribe(command));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.INPUT_MISSING', retryable: false });
  });

  it('throws a retryable TRANSCRIPTION.STORAGE_UNAVAILABLE when the store has a transient fault', async () => {
    const objects = new RecordingObjectsRepository(store({ getToFile: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9000')) }));
    const error = await failure(new TranscribeService(objects, provider([])).transcribe(command));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.STORAGE_UNAVAILABLE', retryable: true });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it("refuses media that belongs to another user's recording", async () => {
    const objects = new RecordingObjectsRepository(store({}));
    const other = { ...command, media: { ...command.media, key: storageKeys.audio('user-2', RECORDING) } };
    const error = await failure(new TranscribeService(objects, provider([])).transcribe(other));
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.INPUT_INVALID', retryable: false });
  });

  describe('quality checks', () => {
    // "thank you for watching" over and over: a recogniser stuck on silence.
    const looped = Array.from({ length: 24 }, (_, i) => ({ text: ['thank', 'you', 'for', 'watching'][i % 4]!, start: i * 0.4, end: i * 0.4 + 0.3 }));
    function objects(written: Record<string, string>) {
      return new RecordingObjectsRepository(
        store({
          getToFile: async (_key, path) => writeFile(path, 'mp3'),
          put: async (key, body) => ((written[key] = String(body)), { key, sizeBytes: Buffer.byteLength(String(body)), checksumSha256: 'abc' }),
        }),
      );
    }

    it('stores the verdict with the transcript and goes on when the policy is to flag', async () => {
      const written: Record<string, string> = {};
      const { master } = await new TranscribeService(objects(written), provider(looped)).transcribe(command);
      expect(master.quality!.suspect).toBe(true);
      expect(master.quality!.flags.map((f) => f.code)).toEqual(['HALLUCINATION', 'LOOP']);
      expect(JSON.parse(written[storageKeys.masterTranscript(USER, RECORDING)]!).quality.suspect).toBe(true);
    });

    it('fails the stage with TRANSCRIPTION.QUALITY_FAILED, not retryable, when the policy is to fail, the transcript kept for a look', async () => {
      const written: Record<string, string> = {};
      const error = await failure(new TranscribeService(objects(written), provider(looped)).transcribe({ ...command, qualityPolicy: QualityPolicy.FAIL }));
      expect({ code: error.code, retryable: error.retryable, flags: error.details?.flags }).toEqual({ code: 'TRANSCRIPTION.QUALITY_FAILED', retryable: false, flags: ['HALLUCINATION', 'LOOP'] });
      expect(error.message).toMatch(/^The transcript failed its quality checks: HALLUCINATION .*; LOOP \("thank you for watching" is repeated 6 times in a row\)$/);
      expect(written[storageKeys.masterTranscript(USER, RECORDING)]).toBeDefined();
    });

    it('lets a clean transcript through whatever the policy', async () => {
      const { master } = await new TranscribeService(objects({}), provider([{ text: 'hello', start: 0, end: 0.5 }])).transcribe({ ...command, qualityPolicy: QualityPolicy.FAIL });
      expect(master.quality).toMatchObject({ suspect: false, flags: [] });
    });
  });
});
