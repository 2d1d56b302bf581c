import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startFakeS3, type FakeS3 } from '@leap/testing';
import { block, generated, MIB } from './generated-body.test-support';
import { storageKeys } from './keys';
import { LocalObjectStore } from './local-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

const BUCKET = 'leap-test';
const PREFIX = 'tenant-store';

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

let fake: FakeS3;
let root: string;
beforeAll(async () => {
  fake = await startFakeS3({ buckets: [BUCKET] });
  root = await mkdtemp(join(tmpdir(), 'leap-store-'));
});
afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

/** Each backend; `maxSingleCopyBytes` lowers the size above which S3 attaches a checksum by a multipart copy. */
const backends: [string, (options?: { maxSingleCopyBytes?: number }) => ObjectStore][] = [
  ['local', () => new LocalObjectStore(join(root, 'local'))],
  [
    's3',
    (options = {}) =>
      new S3ObjectStore({
        bucket: BUCKET,
        region: fake.region,
        endpoint: fake.endpoint,
        accessKeyId: fake.accessKeyId,
        secretAccessKey: fake.secretAccessKey,
        prefix: PREFIX,
        forcePathStyle: true,
        partSize: 5 * MIB,
        ...options,
      }),
  ],
];

describe.each(backends)('object store on %s', (backend, create) => {
  let store: ObjectStore;
  beforeAll(() => {
    store = create();
  });
  afterAll(() => (store as Partial<S3ObjectStore>).close?.());

  it('answers readiness', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  it('writes, reads, reads a range, heads, lists and deletes under the documented keys', async () => {
    const key = storageKeys.masterTranscript('u1', 'r1');
    const stored = await store.put(key, '0123456789abcdef', { contentType: 'application/json' });
    expect(stored).toEqual({ key, sizeBytes: 16, checksumSha256: sha256('0123456789abcdef'), contentType: 'application/json' });
    expect((await store.getBuffer(key)).toString()).toBe('0123456789abcdef');
    expect(await text(await store.get(key, { range: { start: 4, end: 7 } }))).toBe('4567');
    expect(await text(await store.get(key, { range: { start: 10 } }))).toBe('abcdef');
    expect(await text(await store.get(key, { range: { start: 12, end: 1000 } }))).toBe('cdef');
    await expect(store.get(key, { range: { start: 16 } })).rejects.toMatchObject({ code: 'STORAGE.INVALID_RANGE' });
    expect(await store.head(key)).toMatchObject({ key, sizeBytes: 16, checksumSha256: sha256('0123456789abcdef') });
    expect(await store.exists(key)).toBe(true);
    expect(await store.exists(storageKeys.audio('u1', 'r1'))).toBe(false);
    expect(await store.head(storageKeys.audio('u1', 'r1'))).toBeUndefined();
    await expect(store.get(storageKeys.audio('u1', 'r1'))).rejects.toMatchObject({ code: 'STORAGE.NOT_FOUND' });
    await expect(store.getBuffer(storageKeys.audio('u1', 'r1'))).rejects.toMatchObject({ code: 'STORAGE.NOT_FOUND' });

    const file = join(root, `${backend}-poster.jpg`);
    await writeFile(file, Buffer.alloc(2000, 1));
    expect(await store.putFile(storageKeys.poster('u1', 'r1'), file)).toMatchObject({ sizeBytes: 2000, checksumSha256: sha256(Buffer.alloc(2000, 1)) });
    await store.put(storageKeys.source('u1', 'r2', 'mp4'), Readable.from([Buffer.from('other '), Buffer.from('recording')]));
    const listed = await store.list('users/u1/');
    expect(listed.map((o) => [o.key, o.sizeBytes])).toEqual([
      ['users/u1/recordings/r1/poster.jpg', 2000],
      ['users/u1/recordings/r1/transcription/master.json', 16],
      ['users/u1/recordings/r2/source.mp4', 15],
    ]);
    await store.getToFile(storageKeys.poster('u1', 'r1'), join(root, backend, 'downloads', 'poster.jpg'));
    expect(await readFile(join(root, backend, 'downloads', 'poster.jpg'))).toEqual(Buffer.alloc(2000, 1));

    expect(await store.delete(storageKeys.source('u1', 'r2', 'mp4'))).toBe(true);
    expect(await store.delete(storageKeys.source('u1', 'r2', 'mp4'))).toBe(false);
    expect(await store.deletePrefix(storageKeys.recordingPrefix('u1', 'r1'))).toEqual({ count: 2, bytes: 2016 });
    expect(await store.list('users/u1/')).toEqual([]);
    if (backend === 's3') expect(fake.keys(BUCKET).filter((k) => k.includes('/u1/'))).toEqual([]);
  });

  it('uploads a large stream in parts and keeps its checksum', async () => {
    const store = create({ maxSingleCopyBytes: 12 * MIB });
    const key = storageKeys.source('u2', 'r1', 'mp4');
    const parts = fake.operations.UploadPart ?? 0;
    const body = generated(13 * MIB + 123);
    const stored = await store.put(key, body.stream, { contentType: 'video/mp4' });
    const digest = body.digest();
    expect(stored).toMatchObject({ sizeBytes: 13 * MIB + 123, checksumSha256: digest });
    expect(await store.head(key)).toMatchObject({ sizeBytes: 13 * MIB + 123, checksumSha256: digest });
    const read = createHash('sha256');
    await pipeline(await store.get(key), read);
    expect(read.digest('hex')).toBe(digest);
    const tail = await store.get(key, { range: { start: 13 * MIB, end: 13 * MIB + 122 } });
    const tailBytes: Buffer[] = [];
    for await (const chunk of tail) tailBytes.push(chunk as Buffer);
    expect(Buffer.concat(tailBytes)).toEqual(Buffer.from(block(13).subarray(0, 123)));
    if (backend === 's3') {
      expect((fake.operations.UploadPart ?? 0) - parts).toBe(3);
      // Larger than a single copy may be here: the checksum went on by a multipart copy.
      expect(fake.operations.UploadPartCopy).toBeGreaterThan(0);
      expect(fake.keys(BUCKET)).toContain(`${PREFIX}/${key}`);
    }

    const file = join(root, `${backend}-video.mp4`);
    await pipeline(generated(6 * MIB).stream, (await import('node:fs')).createWriteStream(file));
    const fromFile = await store.putFile(storageKeys.video('u2', 'r1', 'mp4'), file);
    expect(await store.head(fromFile.key)).toMatchObject({ sizeBytes: 6 * MIB, checksumSha256: sha256(await readFile(file)) });
    (store as Partial<S3ObjectStore>).close?.();
  });

  it('leaves nothing behind when a large write fails half-way', async () => {
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 7 * MIB) return void this.destroy(new Error('client went away'));
        sent += MIB;
        this.push(Buffer.alloc(MIB, 3));
      },
    });
    await expect(store.put(storageKeys.source('u9', 'r9', 'mp4'), failing)).rejects.toThrow(/client went away/);
    expect(await store.list('users/u9/')).toEqual([]);
    if (backend === 's3') expect(fake.keys(BUCKET).filter((k) => k.includes('/u9/'))).toEqual([]);
  });
});

describe('s3 object store settings', () => {
  it('refuses a wrong secret and an unknown bucket at readiness', async () => {
    const options = { region: fake.region, endpoint: fake.endpoint, accessKeyId: fake.accessKeyId, forcePathStyle: true };
    const wrongSecret = new S3ObjectStore({ ...options, bucket: BUCKET, secretAccessKey: 'not-the-secret' });
    const noBucket = new S3ObjectStore({ ...options, bucket: 'missing', secretAccessKey: fake.secretAccessKey });
    await expect(wrongSecret.ping()).rejects.toBeDefined();
    await expect(wrongSecret.put('users/u1/x.json', '{}')).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    await expect(noBucket.ping()).rejects.toBeDefined();
    wrongSecret.close();
    noBucket.close();
  });

  it('keeps keys without a prefix exactly as on disk', async () => {
    const store = new S3ObjectStore({
      bucket: BUCKET,
      region: fake.region,
      endpoint: fake.endpoint,
      accessKeyId: fake.accessKeyId,
      secretAccessKey: fake.secretAccessKey,
      forcePathStyle: true,
    });
    await store.put(storageKeys.sharedThumbnail('lecture.png'), 'png');
    expect(fake.keys(BUCKET)).toContain('shared/thumbnails/lecture.png');
    expect((await store.list('shared/')).map((o) => o.key)).toEqual(['shared/thumbnails/lecture.png']);
    store.close();
  });
});
