import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectKind } from '@leap/contracts';
import { OutboundHttp, OutboundPolicy } from '@leap/outbound';
import { LocalObjectStore } from '@leap/storage-client';
import { startFakeYandexDisk, type FakeYandexDisk } from '@leap/testing';
import { YandexDiskClient } from '@leap/yandex-disk';
import { yandexDiskMetadataSchema } from '../../presets/preset-metadata';
import { YandexDiskPublisher } from './yandex-disk.publisher';

describe('YandexDiskPublisher (fake Yandex Disk on localhost)', () => {
  let fake: FakeYandexDisk;
  let root: string;
  let publisher: YandexDiskPublisher;
  let store: LocalObjectStore;

  beforeAll(async () => {
    fake = await startFakeYandexDisk();
    root = await mkdtemp(join(tmpdir(), 'leap-yadisk-publisher-'));
    store = new LocalObjectStore(root);
    const client = new YandexDiskClient(
      { apiBaseUrl: fake.apiBaseUrl, oauthBaseUrl: fake.oauthBaseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret },
      new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.1' })),
    );
    publisher = new YandexDiskPublisher(store, client);
  });

  afterAll(async () => {
    await fake?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('retracts a published upload: the link stops working, the video and its sidecars go, and a second retract finds nothing', async () => {
    const granted = fake.grant();
    const key = 'users/u1/recordings/r1/video.mp4';
    const bytes = Buffer.from('retract me');
    const stored = await store.put(key, bytes, { contentType: 'video/mp4' });
    const published = await publisher.publish({
      objects: [{ key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType: 'video/mp4', kind: ObjectKind.VIDEO }],
      metadata: yandexDiskMetadataSchema.parse({ publish: true, sidecars: { descriptionTxt: {} } }),
      rendered: { title: 'Lecture', description: 'About', titleTruncated: false, descriptionTruncated: false, folderPath: '/Out', filename: 'Lecture', variables: {}, sidecars: { descriptionTxt: { folderPath: '/Out', filename: 'Lecture.description.txt' } } },
      tokens: granted,
      onRefreshed: async () => undefined,
    });
    expect(published).toMatchObject({ path: 'disk:/Out/Lecture.mp4', publicUrl: expect.any(String), sidecars: ['disk:/Out/Lecture.description.txt'] });
    expect(fake.file(granted.account, '/Out/Lecture.mp4')!.md5).toBe(createHash('md5').update(bytes).digest('hex'));
    const publicKey = fake.file(granted.account, '/Out/Lecture.mp4')!.publicKey!;

    const removed = await publisher.retract({ tokens: granted, onRefreshed: async () => undefined, path: published.path, sidecars: published.sidecars });
    expect(removed).toEqual(['disk:/Out/Lecture.mp4', 'disk:/Out/Lecture.description.txt']);
    expect(fake.file(granted.account, '/Out/Lecture.mp4')).toBeUndefined();
    expect(fake.file(granted.account, '/Out/Lecture.description.txt')).toBeUndefined();
    const link = await fetch(`${fake.apiBaseUrl}/public/resources?public_key=${publicKey}`);
    expect(link.status).toBe(404);

    expect(await publisher.retract({ tokens: granted, onRefreshed: async () => undefined, path: published.path })).toEqual([]);
  });

  it('fails a retract with a revoked account as PUBLISHING.CREDENTIAL_REVOKED', async () => {
    const revoked = fake.grant();
    fake.expire(revoked.accessToken);
    fake.revoke(revoked.refreshToken);
    await expect(publisher.retract({ tokens: revoked, onRefreshed: async () => undefined, path: 'disk:/x.mp4' })).rejects.toMatchObject({ code: 'PUBLISHING.CREDENTIAL_REVOKED' });
  });
});
