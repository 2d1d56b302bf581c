import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { assertSafeKey, parseRecordingKey, storageKeys } from './keys';
import { LocalObjectStore } from './local-object-store';

describe('local object store', () => {
  let root: string;
  let store: LocalObjectStore;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'leap-store-'));
    store = new LocalObjectStore(root);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('builds the documented keys and refuses unsafe ones', () => {
    expect(storageKeys.source('u1', 'r1', '.MP4')).toBe('users/u1/recordings/r1/source.mp4');
    expect(storageKeys.audio('u1', 'r1')).toBe('users/u1/recordings/r1/audio.mp3');
    expect(storageKeys.masterTranscript('u1', 'r1')).toBe('users/u1/recordings/r1/transcription/master.json');
    expect(storageKeys.subtitles('u1', 'r1', 'vtt')).toBe('users/u1/recordings/r1/transcription/subtitles.vtt');
    expect(storageKeys.sharedThumbnail('lecture.PNG')).toBe('shared/thumbnails/lecture.png');
    expect(parseRecordingKey('users/u1/recordings/r1/video.mp4')).toEqual({ userId: 'u1', recordingId: 'r1', name: 'video.mp4' });
    expect(() => storageKeys.source('../x', 'r1', 'mp4')).toThrow(/Invalid user id/);
    expect(() => assertSafeKey('users/../../etc/passwd')).toThrow(/Unsafe/);
    expect(assertSafeKey('users/u1/')).toBe('users/u1/');
  });

  it('writes streams atomically with size and checksum, reads them back, lists and deletes a prefix', async () => {
    const body = Buffer.alloc(300_000, 7);
    const stored = await store.put(storageKeys.source('u1', 'r1', 'mp4'), Readable.from([body.subarray(0, 100_000), body.subarray(100_000)]));
    expect(stored).toMatchObject({ sizeBytes: 300_000, checksumSha256: createHash('sha256').update(body).digest('hex') });
    expect((await store.getBuffer(stored.key)).equals(body)).toBe(true);
    const file = join(root, 'incoming.txt');
    await writeFile(file, 'hello');
    await store.putFile(storageKeys.masterTranscript('u1', 'r1'), file);
    await store.put(storageKeys.source('u1', 'r2', 'mp4'), 'other recording');
    expect((await store.list(storageKeys.recordingPrefix('u1', 'r1'))).map((o) => o.key)).toEqual([
      'users/u1/recordings/r1/source.mp4',
      'users/u1/recordings/r1/transcription/master.json',
    ]);
    expect(await store.deletePrefix(storageKeys.recordingPrefix('u1', 'r1'))).toEqual({ count: 2, bytes: 300_005 });
    expect(await store.exists(stored.key)).toBe(false);
    expect(await readdir(join(root, 'users', 'u1', 'recordings'))).toEqual(['r2']);
    await expect(store.getBuffer(stored.key)).rejects.toMatchObject({ code: 'STORAGE.NOT_FOUND' });
  });

  it('leaves nothing behind when a write fails half-way', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(1000));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.put('users/u9/recordings/r9/source.mp4', failing)).rejects.toThrow('client went away');
    expect(await store.list('users/u9/')).toEqual([]);
  });
});
