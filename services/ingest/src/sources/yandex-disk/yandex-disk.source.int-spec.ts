import { createHash, randomBytes } from 'node:crypto';
import { DownloadMethod, MESSAGE_TYPES, type AddRecordingFromUrl } from '@leap/contracts';
import { MessageBus, newMessageId } from '@leap/messaging';
import { OutboundHttp, OutboundPolicy } from '@leap/outbound';
import { OBJECT_STORE, type RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import type { ObjectStore } from '@leap/storage-client';
import { eventually, startFakeYandexDisk, type FakeYandexDisk } from '@leap/testing';
import { YandexDiskClient, type YandexAccount } from '@leap/yandex-disk';
import { ingestService } from '../../service';
import { downloadObserver, observed } from '../../testing/download-observer';
import { parseYandexDiskSourceConfig, YandexDiskSource } from './yandex-disk.source';

const USER = 'user-yandex-source';
const { downloaded } = observed;


describe('Yandex Disk as a source (fake Yandex Disk on localhost)', () => {
  let fake: FakeYandexDisk;
  let source: YandexDiskSource;

  const account = (tokens: { accessToken: string; refreshToken?: string }): YandexAccount => ({ tokens: { ...tokens } });
  const media = (size: number) => Buffer.concat([Buffer.from('\x00\x00\x00\x20ftypisom'), randomBytes(size)]);

  beforeAll(async () => {
    fake = await startFakeYandexDisk();
    source = new YandexDiskSource(
      new YandexDiskClient(
        { apiBaseUrl: fake.apiBaseUrl, oauthBaseUrl: fake.oauthBaseUrl, clientId: fake.clientId, clientSecret: fake.clientSecret },
        new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.1' })),
        { pageSize: 3 },
      ),
    );
  });

  afterAll(async () => {
    await fake?.close();
  });

  it("lists an OAuth folder recursively by pattern: rename-stable keys, the modified time as start time, the sync's date window", async () => {
    const granted = fake.grant();
    const march = new Date('2026-03-02T07:30:00Z');
    const april = new Date('2026-04-10T12:00:00Z');
    const lecture = fake.putFile(granted.account, '/Курс/Лекция 1.mp4', media(100), { modified: march });
    fake.putFile(granted.account, '/Курс/2026/Лекция 2.mkv', media(50), { modified: april });
    fake.putFile(granted.account, '/Курс/2026/raw/Лекция 3.mp4', media(10), { modified: april });
    fake.putFile(granted.account, '/Курс/notes.pdf', Buffer.from('%PDF'), { modified: march });
    const config = parseYandexDiskSourceConfig({ folderPath: '/Курс', recursive: true, filePattern: '^Лекция .*\\.(mp4|mkv)$' });
    expect(YandexDiskSource.needsCredential(config)).toBe(true);

    const items = await source.list(config, account(granted));
    expect(items.map((i) => i.path).sort()).toEqual(['disk:/Курс/2026/raw/Лекция 3.mp4', 'disk:/Курс/2026/Лекция 2.mkv', 'disk:/Курс/Лекция 1.mp4']);
    const first = items.find((i) => i.name === 'Лекция 1.mp4')!;
    expect(first).toEqual({
      key: `yadisk:rid:${lecture.resourceId}`,
      keys: [`yadisk:rid:${lecture.resourceId}`, `yadisk:md5:${lecture.md5}:${lecture.bytes.length}`, 'yadisk:path:disk:/Курс/Лекция 1.mp4'],
      name: 'Лекция 1.mp4',
      title: 'Лекция 1',
      path: 'disk:/Курс/Лекция 1.mp4',
      startTime: march.toISOString(),
      sizeBytes: lecture.bytes.length,
      mimeType: 'video/mp4',
      md5: lecture.md5,
      sha256: lecture.sha256,
      locator: { path: 'disk:/Курс/Лекция 1.mp4' },
    });

    // Only what was modified within the window.
    const inApril = await source.list(config, account(granted), { from: new Date('2026-04-01T00:00:00Z'), to: new Date('2026-05-01T00:00:00Z') });
    expect(inApril.map((i) => i.name).sort()).toEqual(['Лекция 2.mkv', 'Лекция 3.mp4']);

    // A rename keeps the key: the next sync finds the same recording.
    fake.move(granted.account, '/Курс/Лекция 1.mp4', '/Курс/Лекция 1 (линейная алгебра).mp4');
    const renamed = (await source.list(config, account(granted))).find((i) => i.title.startsWith('Лекция 1'))!;
    expect(renamed.key).toBe(first.key);
    expect(renamed.title).toBe('Лекция 1 (линейная алгебра)');

    // Without a pattern, the media files are taken (not the notes).
    const all = await source.list(parseYandexDiskSourceConfig({ folderPath: '/Курс' }), account(granted));
    expect(all.map((i) => i.name)).toEqual(['Лекция 1 (линейная алгебра).mp4']);
  });

  it('browses a folder of the account for a picker: folders and files, one page at a time', async () => {
    const granted = fake.grant();
    fake.putFile(granted.account, '/Browse/x.mp4', media(5), { modified: new Date('2026-01-01T00:00:00Z') });
    fake.mkdir(granted.account, '/Browse/Sub');
    const page = await source.browse(account(granted), '/Browse', { limit: 10 });
    expect(page).toEqual({
      path: 'disk:/Browse',
      total: 2,
      items: [
        { type: 'dir', name: 'Sub', path: 'disk:/Browse/Sub', modified: expect.any(String) },
        { type: 'file', name: 'x.mp4', path: 'disk:/Browse/x.mp4', size: 17, modified: '2026-01-01T00:00:00.000Z', mimeType: 'video/mp4' },
      ],
    });
  });

  it('lists a public link with no credential: a shared folder or a single shared file', async () => {
    const owner = fake.grant();
    fake.putFile(owner.account, '/Public/a.mp4', media(20));
    const b = fake.putFile(owner.account, '/Public/inner/b.mp4', media(30));
    const folder = fake.publish(owner.account, '/Public');
    const single = fake.publish(owner.account, '/Public/inner/b.mp4');

    const config = parseYandexDiskSourceConfig({ publicUrl: folder.publicUrl, recursive: true });
    expect(YandexDiskSource.needsCredential(config)).toBe(false);
    const items = await source.list(config, undefined);
    expect(items.map((i) => [i.path, i.key.startsWith('yadisk:rid:'), i.locator])).toEqual([
      ['/a.mp4', true, { path: '/a.mp4', publicUrl: folder.publicUrl }],
      ['/inner/b.mp4', true, { path: '/inner/b.mp4', publicUrl: folder.publicUrl }],
    ]);
    const [file] = await source.list(parseYandexDiskSourceConfig({ publicUrl: single.publicUrl }), undefined);
    expect(file).toMatchObject({ name: 'b.mp4', title: 'b', sizeBytes: b.bytes.length });
    expect(file!.key).toBe(items[1]!.key);
  });

  it('refuses a bad config and a folder without a credential; a revoked credential is YANDEX_DISK.NEEDS_REAUTH', async () => {
    for (const raw of [{}, { folderPath: '/a', publicUrl: 'https://disk.yandex.ru/d/x' }, { folderPath: '/a', filePattern: '([' }, { folderPath: '/a', extra: 1 }]) {
      expect(() => parseYandexDiskSourceConfig(raw)).toThrow(expect.objectContaining({ code: 'SOURCE.INVALID_CONFIG', status: 422 }));
    }
    await expect(source.list(parseYandexDiskSourceConfig({ folderPath: '/a' }), undefined)).rejects.toMatchObject({ code: 'SOURCE.CREDENTIAL_REQUIRED', status: 422 });
    const revoked = fake.grant();
    fake.expire(revoked.accessToken);
    fake.revoke(revoked.refreshToken);
    await expect(source.list(parseYandexDiskSourceConfig({ folderPath: '/' }), account(revoked))).rejects.toMatchObject({
      code: 'YANDEX_DISK.NEEDS_REAUTH',
      details: { needsReauth: true },
    });
  });

  describe('through the DOWNLOAD job', () => {
    let world: ServiceWorld;
    let ingest: RunningService;
    let bus: MessageBus;
    let store: ObjectStore;

    beforeAll(async () => {
      world = await createServiceWorld('ingest_yandex_source', { JOBS_LEASE: '1s', SHUTDOWN_TIMEOUT_MS: '200' });
      world.env.INGEST_DOWNLOAD_DIR = await world.tempDir('downloads');
      world.env.OUTBOUND_ALLOWED_HOSTS = '127.0.0.1';
      world.env.YANDEX_DISK_API_BASE_URL = fake.apiBaseUrl;
      world.env.YANDEX_OAUTH_BASE_URL = fake.oauthBaseUrl;
      world.env.YANDEX_CLIENT_ID = fake.clientId;
      world.env.YANDEX_CLIENT_SECRET = fake.clientSecret;
      ingest = await world.start(ingestService);
      bus = (await world.start(downloadObserver)).app.get(MessageBus);
      store = ingest.app.get<ObjectStore>(OBJECT_STORE);
    }, 300_000);

    afterAll(async () => {
      await world?.close();
    });

    it("downloads an item's href into storage as a recording's original, with its size and checksum", async () => {
      const granted = fake.grant();
      const bytes = media(700 * 1024);
      const file = fake.putFile(granted.account, '/Lectures/week 1.mp4', bytes);
      const public_ = fake.putFile(granted.account, '/Shared/week 2.mp4', media(300 * 1024));
      const link = fake.publish(granted.account, '/Shared');
      // The adapter the service provides, configured from its settings.
      const adapter = ingest.app.get(YandexDiskSource);

      for (const [config, credential, expected] of [
        [{ folderPath: '/Lectures' }, account(granted), file],
        [{ publicUrl: link.publicUrl }, undefined, public_],
      ] as const) {
        const [item] = await adapter.list(parseYandexDiskSourceConfig(config), credential);
        const descriptor = await adapter.download(item!, credential);
        expect(descriptor).toMatchObject({ method: DownloadMethod.HTTP, expectedSizeBytes: String(expected.bytes.length) });
        const served = fake.stats.bytesServed;

        const recordingId = newMessageId();
        const query: AddRecordingFromUrl = { recordingId, userId: USER, url: descriptor.url, autoRun: true, method: descriptor.method, displayName: item!.title };
        await bus.request(MESSAGE_TYPES.ingest.AddRecordingFromUrl, query, { subject: recordingId, tenant: USER, timeoutMs: 15_000 });
        const done = await eventually(() => {
          const event = downloaded.find((d) => d.recordingId === recordingId);
          expect(event).toBeDefined();
          return event!;
        }, { timeoutMs: 60_000 });
        expect(done.source).toMatchObject({ key: `users/${USER}/recordings/${recordingId}/source.mp4`, sizeBytes: String(expected.bytes.length), checksumSha256: expected.sha256 });
        expect(createHash('sha256').update(await store.getBuffer(done.source.key)).digest('hex')).toBe(expected.sha256);
        expect(fake.stats.bytesServed - served).toBe(expected.bytes.length);
      }
    });
  });
});
