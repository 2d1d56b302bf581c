import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually, generateLecture, startFakeYandexDisk, type FakeYandexDisk } from '@leap/testing';
import { signUp, startDistributedPlatform, waitUntilReady, type DistributedPlatform } from './support';

const DAY = 86_400_000;

/**
 * A lecture kept on Yandex Disk comes all the way to READY: each of the seven services its own
 * process on the machine's PostgreSQL and RabbitMQ, the fake Yandex Disk on localhost serving a
 * generated lecture. The user connects the account, adds a folder source with a pattern and syncs
 * it; ingest lists the folder, the DOWNLOAD job fetches the file through a fresh href it asks for
 * with the stored token, and the pipeline trims, transcribes and subtitles it.
 */
describe('a Yandex Disk lecture through the whole pipeline (distributed)', () => {
  let platform: DistributedPlatform;
  let work: string;
  let disk: FakeYandexDisk;

  beforeAll(async () => {
    disk = await startFakeYandexDisk();
    platform = await startDistributedPlatform('yadisk_journey', {
      env: () => ({
        ingest: {
          YANDEX_DISK_API_BASE_URL: disk.apiBaseUrl,
          YANDEX_OAUTH_BASE_URL: disk.oauthBaseUrl,
          YANDEX_CLIENT_ID: disk.clientId,
          YANDEX_CLIENT_SECRET: disk.clientSecret,
          OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
        },
        publishing: { CREDENTIALS_KEYRING: `k1:${'9'.repeat(64)}` },
      }),
    });
    work = platform.work;
  }, 300_000);

  afterAll(async () => {
    await platform?.close();
    await disk?.close();
  });

  it('syncs a folder source and takes its lecture to READY with a transcript and subtitles', async () => {
    const lecture = await generateLecture({ dir: work, durationSeconds: 30, leadingSilenceSeconds: 7, trailingSilenceSeconds: 7 });
    const bytes = await readFile(lecture.path);
    const granted = disk.grant('lecturer');
    const file = disk.putFile(granted.account, '/Лекции/2026/Лекция 1.mp4', bytes, { modified: new Date(Date.now() - 2 * DAY) });
    disk.putFile(granted.account, '/Лекции/2026/план.txt', Buffer.from('not a lecture'), { modified: new Date(Date.now() - 2 * DAY) });
    const ada = await signUp(platform.api, 'ada-yadisk@example.org', platform.mail);

    const credential = await ada.json('/credentials', {
      method: 'POST',
      body: JSON.stringify({ platform: 'yandex_disk', purpose: 'input', accountName: 'lecturer', credentials: { accessToken: granted.accessToken, refreshToken: granted.refreshToken } }),
    });
    expect(credential.status).toBe(201);
    // The picker shows the folder the source will name.
    const browse = await ada.json(`/credentials/${credential.body.id}/yandex-disk/browse?path=${encodeURIComponent('/Лекции')}`);
    expect(browse.body.items).toEqual([expect.objectContaining({ name: '2026', path: 'disk:/Лекции/2026', type: 'dir' })]);

    const source = await ada.json('/sources', {
      method: 'POST',
      body: JSON.stringify({
        name: 'Lectures on Yandex Disk',
        platform: 'YANDEX_DISK',
        credentialId: credential.body.id,
        config: { folderPath: '/Лекции', recursive: true, filePattern: '\\.mp4$', autoRun: true },
      }),
    });
    expect(source.status).toBe(201);
    const started = await ada.json(`/sources/${source.body.id}/sync`, { method: 'POST', body: JSON.stringify({}) });
    expect(started.status).toBe(202);
    const sync = await eventually(
      async () => {
        const answer = await ada.json(`/sources/syncs/${started.body.id}`);
        expect(answer.body.status).toBe('SUCCEEDED');
        return answer.body;
      },
      { timeoutMs: 60_000 },
    );
    expect(sync).toMatchObject({ found: 1, created: 1 });

    const [listed] = await eventually(async () => {
      const page = await ada.json('/recordings');
      expect(page.body.items).toHaveLength(1);
      return page.body.items as { id: string; title: string }[];
    });
    expect(listed!.title).toBe('Лекция 1');
    const recording = await waitUntilReady(ada, listed!.id, 300_000);
    expect(recording.sizeBytes).toBe(bytes.length);
    for (const stage of recording.stages) expect(['COMPLETED', 'SKIPPED']).toContain(stage.status);
    expect(recording.stages.find((s: { stage: string }) => s.stage === 'DOWNLOAD').status).toBe('COMPLETED');
    // The bytes came from the fake, once, and the stored original is the file.
    expect(disk.stats.bytesServed).toBe(bytes.length);
    const original = (await readdir(join(work, 'storage'), { recursive: true })).map(String).find((f) => f.includes(listed!.id) && /source\.[a-z0-9]+$/.test(f));
    expect(original).toBeDefined();
    expect(createHash('sha256').update(await readFile(join(work, 'storage', original!))).digest('hex')).toBe(file.sha256);

    const srt = await ada.get(`/recordings/${listed!.id}/subtitles.srt`);
    expect(srt.status).toBe(200);
    const spoken = new Set(lecture.speech.flatMap((s) => s.text.toLowerCase().match(/[a-z]+/g) ?? []));
    const recognised = ((await srt.text()).toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => w.length > 3 && spoken.has(w));
    expect(new Set(recognised).size).toBeGreaterThanOrEqual(2);
  }, 420_000);
});
