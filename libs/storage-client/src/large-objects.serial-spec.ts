import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { peakLiveGrowth, startFakeS3, type FakeS3 } from '@leap/testing';
import { generated, MIB } from './generated-body.test-support';
import { storageKeys } from './keys';
import { LocalObjectStore } from './local-object-store';
import type { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

/**
 * A 1 GiB object through each backend with the process's memory staying flat. It moves gigabytes
 * through the disk and the fake S3, so it runs on its own after the parallel suite (a
 * `serial-spec`), where it measures the store rather than the other suites' load.
 */
const BUCKET = 'leap-large';

let fake: FakeS3;
let root: string;
beforeAll(async () => {
  fake = await startFakeS3({ buckets: [BUCKET] });
  root = await mkdtemp(join(tmpdir(), 'leap-large-store-'));
});
afterAll(async () => {
  await fake.close();
  await rm(root, { recursive: true, force: true });
});

const backends: [string, () => ObjectStore][] = [
  ['local', () => new LocalObjectStore(join(root, 'local'))],
  [
    's3',
    () =>
      new S3ObjectStore({
        bucket: BUCKET,
        region: fake.region,
        endpoint: fake.endpoint,
        accessKeyId: fake.accessKeyId,
        secretAccessKey: fake.secretAccessKey,
        prefix: 'tenant-store',
        forcePathStyle: true,
        partSize: 5 * MIB,
      }),
  ],
];

describe.each(backends)('object store on %s with a large object', (backend, create) => {
  let store: ObjectStore;
  beforeAll(() => {
    store = create();
  });
  afterAll(() => (store as Partial<S3ObjectStore>).close?.());

  it('streams 1 GiB in and out with flat memory', async () => {
    const size = 1024 * MIB;
    const key = storageKeys.source('big', 'r1', 'mp4');
    const body = generated(size);
    const started = Date.now();
    const write = await peakLiveGrowth(() => store.put(key, body.stream));
    const wrote = Date.now();
    const digest = body.digest();
    expect(write.result).toMatchObject({ sizeBytes: size, checksumSha256: digest });
    const read = createHash('sha256');
    let count = 0;
    const sink = new Writable({
      write(chunk: Buffer, _e, done) {
        read.update(chunk);
        count += chunk.length;
        done();
      },
    });
    const readBack = await peakLiveGrowth(async () => pipeline(await store.get(key), sink));
    expect(count).toBe(size);
    expect(read.digest('hex')).toBe(digest);
    expect(await store.head(key)).toMatchObject({ sizeBytes: size, checksumSha256: digest });
    // Flat: a few parts in flight, far from the object's size.
    expect(write.growthBytes).toBeLessThan(200 * MIB);
    expect(readBack.growthBytes).toBeLessThan(200 * MIB);
    const mib = (bytes: number) => Math.round(bytes / MIB);
    process.stdout.write(
      `${backend}: 1 GiB written in ${wrote - started} ms (peak live memory +${mib(write.growthBytes)} MiB), read in ${Date.now() - wrote} ms (+${mib(readBack.growthBytes)} MiB)\n`,
    );
    await store.deletePrefix(storageKeys.recordingPrefix('big', 'r1'));
  }, 600_000);
});
