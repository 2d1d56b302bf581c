import { writeFile } from 'node:fs/promises';
import { ObjectKind, type TranscribeRecording } from '@leap/contracts';
import { LeapError } from '@leap/messaging';
import { ObjectNotFoundError, storageKeys, type ObjectStore } from '@leap/storage-client';
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

function provider(words: Array<{ text: string; start: number; end: number }>): TranscriptionProvider & { inputs: string[] } {
  const inputs: string[] = [];
  return { name: 'fake', model: 'fake-1', inputs, transcribe: async (path) => (inputs.push(path), { language: 'en', durationSeconds: 5, words }) };
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
});
