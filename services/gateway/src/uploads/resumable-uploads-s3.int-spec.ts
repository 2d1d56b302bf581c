import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { createObjectStore, storageKeys, type ObjectStore } from '@leap/storage-client';
import { startFakeS3, type FakeS3 } from '@leap/testing';
import { gatewayTestEnv, httpClient, ingestStandIn, quotaStandIn, startGateway, tusCreate, tusPatch, verifiedUser, type RunningGateway } from '../testing';

const BUCKET = 'leap';

/**
 * With STORAGE_BACKEND=s3 the bytes of a resumable upload still arrive in the upload folder, and
 * the finished file goes into the bucket at the recording's source key, as with the local backend.
 */
describe('resumable uploads with the S3 backend', () => {
  let world: ServiceWorld;
  let s3: FakeS3;
  let gateway: RunningGateway;
  let store: ObjectStore;
  let uploadsDir: string;
  const client = httpClient(() => gateway.base);

  beforeAll(async () => {
    s3 = await startFakeS3({ buckets: [BUCKET] });
    const settings = {
      STORAGE_BACKEND: 's3',
      S3_BUCKET: BUCKET,
      S3_REGION: s3.region,
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    } as const;
    world = await createServiceWorld('gateway_tus_s3', gatewayTestEnv({ ...settings, AUTH_REQUIRE_VERIFIED_EMAIL: 'false', UPLOAD_RESUMABLE_SWEEP_INTERVAL: '0s' }));
    store = createObjectStore({ ...settings, STORAGE_LOCAL_ROOT: world.storageRoot, S3_FORCE_PATH_STYLE: true });
    await world.start(quotaStandIn({ reserve: () => ({ granted: true, reservationId: 'res-1', limit: '10', used: '0', period: '2026-01' }), release: () => undefined }));
    await world.start(ingestStandIn(() => undefined));
    uploadsDir = await world.tempDir('tus-s3-uploads');
    gateway = await startGateway(world, { env: { UPLOAD_RESUMABLE_DIR: uploadsDir } });
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await s3?.close();
  });

  it('puts the finished upload into the bucket at the source key, byte for byte, and leaves the folder empty', async () => {
    const alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    const source = join(await world.tempDir('tus-s3-fixture'), 'lecture.webm');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=d=1:s=160x120', '-c:v', 'libvpx', '-y', source]);
    const webm = await readFile(source);
    const created = await tusCreate(gateway.base, alice.token, webm.length, { filename: 'lecture.webm', filetype: 'video/webm' });
    expect(created.status).toBe(201);
    const location = created.headers.get('location')!;
    const half = Math.floor(webm.length / 2);
    expect((await tusPatch(gateway.base, alice.token, location, 0, webm.subarray(0, half))).status).toBe(204);
    expect(await readdir(uploadsDir)).toEqual([location.split('/').pop()]);
    const last = await tusPatch(gateway.base, alice.token, location, half, webm.subarray(half));
    expect(last.status).toBe(204);
    const recordingId = last.headers.get('leap-recording-id')!;
    const key = storageKeys.source(alice.id, recordingId, 'webm');
    expect(s3.keys(BUCKET)).toContain(key);
    expect((await store.getBuffer(key)).equals(webm)).toBe(true);
    expect(await readdir(uploadsDir)).toEqual([]);
  });
});
