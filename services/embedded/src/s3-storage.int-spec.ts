import { ReadinessRegistry, OBJECT_STORE } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import type { ObjectStore } from '@leap/storage-client';
import { startFakeS3, type FakeS3 } from '@leap/testing';
import { platformServices } from './platform-services';

/**
 * Every service starts with STORAGE_BACKEND=s3 (path-style, a key prefix, as docker-compose and
 * Helm run them) and reports its object store ready; a bucket that is not there makes it not ready.
 */
describe('the seven services on S3', () => {
  let fake: FakeS3;
  let world: ServiceWorld;

  beforeAll(async () => {
    fake = await startFakeS3({ buckets: ['leap'] });
    world = await createServiceWorld('embedded_s3', {
      NODE_ENV: 'test',
      JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256',
      STORAGE_BACKEND: 's3',
      S3_BUCKET: 'leap',
      S3_REGION: fake.region,
      S3_ENDPOINT: fake.endpoint,
      S3_ACCESS_KEY_ID: fake.accessKeyId,
      S3_SECRET_ACCESS_KEY: fake.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: 'leap-deployment',
    });
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await fake?.close();
  });

  it('start, are ready, and write under the documented keys behind the prefix', async () => {
    for (const definition of platformServices) {
      const running = await world.start(definition);
      const report = await running.app.get(ReadinessRegistry).check();
      expect({ service: definition.name, storage: report.checks[`${definition.name}.storage`] }).toEqual({ service: definition.name, storage: { status: 'up' } });
    }
    const store = (await world.start(platformServices[0]!)).app.get<ObjectStore>(OBJECT_STORE);
    expect(store.backend).toBe('s3');
    await store.put('users/u1/recordings/r1/audio.mp3', 'mp3');
    // The storage service seeded the shared thumbnails library at start, behind the prefix too.
    expect(fake.keys('leap')).toEqual([
      'leap-deployment/shared/thumbnails/lecture.png',
      'leap-deployment/shared/thumbnails/meeting.png',
      'leap-deployment/shared/thumbnails/webinar.png',
      'leap-deployment/users/u1/recordings/r1/audio.mp3',
    ]);
  }, 300_000);

  it('are not ready while the bucket is missing', async () => {
    const running = await world.start(platformServices[0]!, { env: { S3_BUCKET: 'no-such-bucket' } });
    const report = await running.app.get(ReadinessRegistry).check();
    expect(report.status).toBe('unavailable');
    expect(report.checks[`${platformServices[0]!.name}.storage`]).toMatchObject({ status: 'down' });
  });
});
