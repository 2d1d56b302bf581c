import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestService } from '@leap/ingest-service';
import { publishingService } from '@leap/publishing-service';
import { quotaService } from '@leap/quota-service';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startFakeYandexDisk, type FakeYandexDisk } from '@leap/testing';
import { gatewayTestEnv, httpClient, startGateway, verifiedUser, type Account } from '../services/gateway/src/testing';

const DAY = 86_400_000;

/**
 * YANDEX_DISK sources synced through the real Yandex Disk client against the fake Yandex Disk:
 * a folder of a connected account (recursive, a file pattern) and a public link with no
 * credential, files keyed so a rename stays one recording, each downloaded by the DOWNLOAD job
 * with a fresh href it asks for itself; a token refreshed once and stored, then a revoked
 * account marked needsReauth; and the browse route a folder picker uses.
 */
describe('Yandex Disk sources', () => {
  let world: ServiceWorld;
  let fake: FakeYandexDisk;
  let base = '';
  const client = httpClient(() => base);
  const { call } = client;
  let alice: Account;
  let bob: Account;
  let work: string;

  const media = (size: number) => Buffer.concat([Buffer.from('\x00\x00\x00\x20ftypisom'), randomBytes(size)]);
  const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
  const fromDate = daysAgo(60).toISOString().slice(0, 10);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'leap-yadisk-'));
    fake = await startFakeYandexDisk();
    world = await createServiceWorld('yandex_disk_sources', gatewayTestEnv({ AUTH_REQUIRE_VERIFIED_EMAIL: 'false' }));
    const keyrings = { CREDENTIALS_KEYRING: `k1:${'6'.repeat(64)}`, CREDENTIALS_TRANSIT_KEYRING: world.env.CREDENTIALS_TRANSIT_KEYRING };
    await world.start(publishingService, { env: keyrings });
    // A run is checked against the plan's monthly processing (these users have no plan: unlimited).
    await world.start(quotaService);
    await world.start(ingestService, {
      env: {
        ...keyrings,
        YANDEX_DISK_API_BASE_URL: fake.apiBaseUrl,
        YANDEX_OAUTH_BASE_URL: fake.oauthBaseUrl,
        YANDEX_CLIENT_ID: fake.clientId,
        YANDEX_CLIENT_SECRET: fake.clientSecret,
        OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        INGEST_DOWNLOAD_DIR: join(work, 'downloads'),
        RETENTION_SWEEP_INTERVAL: '0ms',
        STUCK_SWEEP_INTERVAL: '0ms',
      },
    });
    const gateway = await startGateway(world);
    base = gateway.base;
    alice = await verifiedUser(client, gateway.db, 'alice@example.org');
    bob = await verifiedUser(client, gateway.db, 'bob@example.org');
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await fake?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const finished = (syncId: string, token = alice.token) =>
    eventually(
      async () => {
        const sync = await call('GET', `/api/v1/sources/syncs/${syncId}`, { token });
        expect(['SUCCEEDED', 'FAILED']).toContain(sync.body.status);
        return sync.body;
      },
      { timeoutMs: 120_000 },
    );
  const sync = async (sourceId: string, token = alice.token) => {
    const started = await call('POST', `/api/v1/sources/${sourceId}/sync`, { token, json: { fromDate } });
    expect(started.status).toBe(202);
    return finished(started.body.id, token);
  };
  /** The caller's recordings once the read model shows `count` of them. */
  const recordings = (count: number, token = alice.token) =>
    eventually(async () => {
      const page = await call('GET', '/api/v1/recordings?pageSize=100', { token });
      expect(page.body.items).toHaveLength(count);
      return page.body.items as { id: string; title: string; status: string }[];
    });
  const downloaded = (id: string, size: number, token = alice.token) =>
    eventually(
      async () => {
        const detail = await call('GET', `/api/v1/recordings/${id}`, { token });
        expect(detail.body.sizeBytes).toBe(size);
        return detail.body;
      },
      { timeoutMs: 120_000 },
    );
  const connect = async (token: string, accountName: string, tokens: { accessToken: string; refreshToken: string }) => {
    const credential = await call('POST', '/api/v1/credentials', { token, json: { platform: 'yandex_disk', purpose: 'input', accountName, credentials: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken } } });
    expect(credential.status).toBe(201);
    return credential.body.id as string;
  };
  const credential = async (id: string) => (await call('GET', `/api/v1/credentials/${id}`, { token: alice.token })).body;

  it('syncs a folder recursively by its pattern, downloads each file with a token the job looks up, and keeps a renamed file one recording', async () => {
    const granted = fake.grant('alice');
    const week1 = fake.putFile(granted.account, '/Курс/Лекция 1.mp4', media(300 * 1024), { modified: daysAgo(20) });
    const week2 = fake.putFile(granted.account, '/Курс/2026/Лекция 2.mkv', media(200 * 1024), { modified: daysAgo(10) });
    fake.putFile(granted.account, '/Курс/2026/Лекция 3.mp4', media(10 * 1024), { modified: daysAgo(400) }); // outside the window
    fake.putFile(granted.account, '/Курс/Семинар.mp4', media(10 * 1024), { modified: daysAgo(5) }); // not the pattern
    fake.putFile(granted.account, '/Курс/notes.pdf', Buffer.from('%PDF'), { modified: daysAgo(5) });
    const credentialId = await connect(alice.token, 'alice', granted);

    // The pattern is checked when the source is saved.
    const bad = await call('POST', '/api/v1/sources', {
      token: alice.token,
      json: { name: 'Bad pattern', platform: 'YANDEX_DISK', credentialId, config: { folderPath: '/Курс', filePattern: '(' } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('SOURCE.INVALID');
    expect(bad.body.detail).toContain('config.filePattern');

    const source = await call('POST', '/api/v1/sources', {
      token: alice.token,
      json: { name: 'Course folder', platform: 'YANDEX_DISK', credentialId, config: { folderPath: '/Курс', recursive: true, filePattern: '^Лекция .*\\.(mp4|mkv)$', autoRun: true } },
    });
    expect(source.status).toBe(201);

    const first = await sync(source.body.id);
    expect(first).toMatchObject({ status: 'SUCCEEDED', found: 2, created: 2, updated: 0, skipped: 0 });
    const mine = Object.fromEntries((await recordings(2)).map((r) => [r.title, r]));
    expect(Object.keys(mine).sort()).toEqual(['Лекция 1', 'Лекция 2']);
    await downloaded(mine['Лекция 1']!.id, week1.bytes.length);
    await downloaded(mine['Лекция 2']!.id, week2.bytes.length);

    // Renamed and moved: the same resource id, so the next sync finds the same recording.
    fake.move(granted.account, '/Курс/Лекция 1.mp4', '/Курс/2026/Лекция 1 (повтор).mp4');
    const second = await sync(source.body.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', found: 2, created: 0, updated: 0, skipped: 2 });
    expect(second.skips.map((s: { reason: string; recordingId: string }) => [s.recordingId, s.reason]).sort()).toEqual(
      [
        [mine['Лекция 1']!.id, 'finished'],
        [mine['Лекция 2']!.id, 'finished'],
      ].sort(),
    );
    expect((await recordings(2)).map((r) => r.id).sort()).toEqual([mine['Лекция 1']!.id, mine['Лекция 2']!.id].sort());
  }, 300_000);

  it('gives a file renamed before its download its new path, and the download fetches it from there', async () => {
    const granted = fake.grant('erin');
    const file = fake.putFile(granted.account, '/Inbox/draft.mp4', media(120 * 1024), { modified: daysAgo(4) });
    const credentialId = await connect(alice.token, 'erin', granted);
    const source = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Inbox', platform: 'YANDEX_DISK', credentialId, config: { folderPath: '/Inbox' } } });
    expect(source.status).toBe(201);
    const before = (await recordings(2)).map((r) => r.id);
    expect(await sync(source.body.id)).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 1 });
    const recording = (await recordings(3)).find((r) => !before.includes(r.id))!;
    expect(recording).toMatchObject({ title: 'draft', status: 'INITIALIZED' });

    // Renamed while it waits: the same recording, now pointing at the new path.
    fake.move(granted.account, '/Inbox/draft.mp4', '/Inbox/Лекция 7.mp4');
    const second = await sync(source.body.id);
    expect(second).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 0, updated: 1 });
    expect((await recordings(3)).length).toBe(3);

    const served = fake.stats.bytesServed;
    const run = await call('POST', `/api/v1/recordings/${recording.id}/run`, { token: alice.token });
    expect(run.status).toBe(200);
    await downloaded(recording.id, file.bytes.length);
    expect(fake.stats.bytesServed - served).toBe(file.bytes.length);
  }, 300_000);

  it('syncs a public link with no credential, like a video URL', async () => {
    const owner = fake.grant('lecturer');
    const shared = fake.putFile(owner.account, '/Открытый курс/Лекция.mp4', media(250 * 1024), { modified: daysAgo(3) });
    fake.putFile(owner.account, '/Открытый курс/readme.txt', Buffer.from('hello'), { modified: daysAgo(3) });
    const link = fake.publish(owner.account, '/Открытый курс');

    const source = await call('POST', '/api/v1/sources', { token: bob.token, json: { name: 'Open course', platform: 'YANDEX_DISK', config: { publicUrl: link.publicUrl, autoRun: true } } });
    expect(source.status).toBe(201);
    expect(source.body.credentialId ?? null).toBeNull();
    const result = await sync(source.body.id, bob.token);
    expect(result).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 1 });
    const [recording] = await recordings(1, bob.token);
    expect(recording!.title).toBe('Лекция');
    await downloaded(recording!.id, shared.bytes.length, bob.token);

    // The same link again: nothing new.
    expect(await sync(source.body.id, bob.token)).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 0 });
  }, 300_000);

  it('refreshes an expired token once and keeps the new one; a revoked account fails the sync and is marked needsReauth', async () => {
    const granted = fake.grant('carol');
    fake.putFile(granted.account, '/Records/a.mp4', media(20 * 1024), { modified: daysAgo(2) });
    const credentialId = await connect(alice.token, 'carol', granted);
    const source = await call('POST', '/api/v1/sources', { token: alice.token, json: { name: 'Records', platform: 'YANDEX_DISK', credentialId, config: { folderPath: '/Records' } } });
    expect(source.status).toBe(201);

    fake.expire(granted.accessToken);
    const refreshes = fake.stats.refreshes;
    expect(await sync(source.body.id)).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 1 });
    expect(fake.stats.refreshes - refreshes).toBe(1);
    // The refreshed token was stored: the next sync needs no refresh.
    expect(await sync(source.body.id)).toMatchObject({ status: 'SUCCEEDED', found: 1, created: 0 });
    expect(fake.stats.refreshes - refreshes).toBe(1);
    expect((await credential(credentialId)).needsReauth).toBe(false);

    fake.revoke(granted.refreshToken);
    const failed = await sync(source.body.id);
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'YANDEX_DISK.NEEDS_REAUTH' });
    expect((await credential(credentialId)).needsReauth).toBe(true);

    const browse = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse?path=/Records`, { token: alice.token });
    expect(browse.status).toBe(409);
    expect(browse.body).toMatchObject({ code: 'YANDEX_DISK.NEEDS_REAUTH', needsReauth: true });
  }, 300_000);

  describe('GET /api/v1/credentials/{id}/yandex-disk/browse', () => {
    let credentialId: string;

    beforeAll(async () => {
      const granted = fake.grant('dave');
      fake.mkdir(granted.account, '/Picker/Empty');
      fake.putFile(granted.account, '/Picker/Sub/deep.mp4', media(1024), { modified: new Date('2026-01-02T00:00:00Z') });
      fake.putFile(granted.account, '/Picker/talk.mp4', media(2048), { modified: new Date('2026-01-03T00:00:00Z') });
      fake.putFile(granted.account, '/Picker/slides.pdf', Buffer.from('%PDF-1.4'), { modified: new Date('2026-01-04T00:00:00Z') });
      credentialId = await connect(alice.token, 'dave', granted);
    });

    it('answers one level of a folder, a page at a time: folders and files, their paths, sizes, times and whether they are media', async () => {
      const all = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse?path=/Picker&pageSize=100`, { token: alice.token });
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ path: 'disk:/Picker', page: 1, pageSize: 100, total: 4, totalPages: 1 });
      const byName = Object.fromEntries((all.body.items as { name: string }[]).map((i) => [i.name, i]));
      expect(Object.keys(byName).sort()).toEqual(['Empty', 'Sub', 'slides.pdf', 'talk.mp4']);
      expect(byName['Sub']).toMatchObject({ path: 'disk:/Picker/Sub', type: 'dir', size: null, mimeType: null, media: false });
      expect(byName['talk.mp4']).toEqual({ name: 'talk.mp4', path: 'disk:/Picker/talk.mp4', type: 'file', size: 2048 + 12, modified: '2026-01-03T00:00:00.000Z', mimeType: 'video/mp4', media: true });
      expect(byName['slides.pdf']).toMatchObject({ type: 'file', media: false });

      const pages = [];
      for (const page of [1, 2, 3]) {
        const answer = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse?path=/Picker&page=${page}&pageSize=2`, { token: alice.token });
        expect(answer.body).toMatchObject({ page, pageSize: 2, total: 4, totalPages: 2 });
        pages.push(...(answer.body.items as { name: string }[]).map((i) => i.name));
      }
      expect(pages).toEqual((all.body.items as { name: string }[]).map((i) => i.name));

      const root = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse`, { token: alice.token });
      expect(root.status).toBe(200);
      expect(root.body.path).toBe('disk:/');
      expect(root.body.items).toEqual([expect.objectContaining({ name: 'Picker', type: 'dir' })]);
    });

    it('is tenant-scoped, refuses what cannot be browsed, and names a missing folder or a bad parameter', async () => {
      const other = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse?path=/Picker`, { token: bob.token });
      expect(other.status).toBe(404);
      expect(other.body.code).toBe('CREDENTIAL.NOT_FOUND');

      const output = await call('POST', '/api/v1/credentials', { token: alice.token, json: { platform: 'yandex_disk', accountName: 'uploads', credentials: { accessToken: 'upload-token' } } });
      expect(output.status).toBe(201);
      const notBrowsable = await call('GET', `/api/v1/credentials/${output.body.id}/yandex-disk/browse`, { token: alice.token });
      expect(notBrowsable.status).toBe(422);
      expect(notBrowsable.body.code).toBe('CREDENTIAL.NOT_BROWSABLE');

      const missing = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse?path=/Nowhere`, { token: alice.token });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('YANDEX_DISK.NOT_FOUND');

      const badParam = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse?folder=/Picker`, { token: alice.token });
      expect(badParam.status).toBe(400);
      expect(badParam.body.code).toBe('VALIDATION.FAILED');
      const badPage = await call('GET', `/api/v1/credentials/${credentialId}/yandex-disk/browse?pageSize=101`, { token: alice.token });
      expect(badPage.status).toBe(400);
    });
  });
});
