import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createPlatformDatabase,
  createTestVhost,
  FakeMediaServer,
  freePort,
  generateLecture,
  startMailCatcher,
  type MailCatcher,
  type RunningProcess,
  type TestDatabase,
  type TestVhost,
} from '@leap/testing';
import { SERVICES, signUp, startServiceProcess, waitUntilReady, type ApiClient } from './support';

/**
 * Recordings from URLs, through the gateway, with every service its own process: the real yt-dlp
 * fetches a generated lecture from a local media server to READY, and the address guard refuses
 * internal addresses in every spelling. Ingest may reach the one host name its
 * OUTBOUND_ALLOWED_HOSTS names (`localhost`, standing for a public host); the addresses behind it
 * stay refused when named directly or reached by a redirect.
 */
describe('recordings from URLs (distributed)', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  let work: string;
  let mail: MailCatcher;
  let media: FakeMediaServer;
  let port = 0;
  let ada: ApiClient;
  const processes = new Map<string, RunningProcess>();

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_sources');
    vhost = await createTestVhost('leap_test_sources');
    work = await mkdtemp(join(tmpdir(), 'leap-sources-'));
    await chmod(work, 0o755);
    mail = await startMailCatcher();
    media = await new FakeMediaServer().start();
    port = Number(new URL(media.url('/')).port);
    let api = '';
    const common = {
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      JWT_SECRET: 'sources-test-secret-that-is-long-enough',
      STORAGE_BACKEND: 'local',
      STORAGE_LOCAL_ROOT: join(work, 'storage'),
      EXPORT_ROOT: join(work, 'exports'),
      MESSAGING_RETRY_TIERS: '1s,2s',
    };
    await Promise.all(
      SERVICES.map(async (name) => {
        const servicePort = await freePort();
        const env: Record<string, string> = { ...common, PORT: String(servicePort) };
        if (name === 'gateway') {
          api = `http://127.0.0.1:${servicePort}/api/v1`;
          Object.assign(env, { SMTP_URL: mail.url, PUBLIC_BASE_URL: `http://127.0.0.1:${servicePort}` });
        }
        if (name === 'ingest') Object.assign(env, { OUTBOUND_ALLOWED_HOSTS: 'localhost', INGEST_DOWNLOAD_DIR: join(work, 'downloads') });
        processes.set(name, await startServiceProcess(name, env));
      }),
    );
    ada = await signUp(api, `ada-${Date.now()}@example.org`, mail);
  }, 300_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM', 15_000).catch(() => undefined)));
    await media?.close();
    await vhost?.drop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    await mail?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('previews a URL, then takes the lecture it leads to through yt-dlp to READY', async () => {
    const lecture = await generateLecture({ dir: work, durationSeconds: 30, leadingSilenceSeconds: 4, trailingSilenceSeconds: 4 });
    const bytes = await readFile(lecture.path);
    media.serve('/talks/distributed-systems.mp4', { body: bytes, etag: '"l1"' });
    const url = `http://localhost:${port}/talks/distributed-systems.mp4`;

    const preview = await ada.json('/recordings/formats-preview', { method: 'POST', body: JSON.stringify({ url }) });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({ title: 'distributed-systems', formats: [expect.objectContaining({ ext: 'mp4' })] });

    const added = await ada.json('/recordings/add-url', { method: 'POST', body: JSON.stringify({ url, quality: '720p', formatPreference: 'mp4' }) });
    expect(added.status).toBe(202);
    expect(added.body).toMatchObject({ title: 'distributed-systems', sourceType: 'URL' });
    const recording = await waitUntilReady(ada, added.body.id);
    const stages = Object.fromEntries((recording.stages as { stage: string; status: string }[]).map((s) => [s.stage, s.status]));
    expect(stages).toMatchObject({ DOWNLOAD: 'COMPLETED', TRIM: 'COMPLETED', TRANSCRIBE: 'COMPLETED' });
    // The original in storage is the lecture, byte for byte.
    expect(recording.sizeBytes).toBe(bytes.length);
    expect(recording.artifacts).toContainEqual(expect.objectContaining({ name: 'source', sizeBytes: bytes.length, checksumSha256: createHash('sha256').update(bytes).digest('hex') }));
    const srt = await ada.get(`/recordings/${added.body.id}/subtitles.srt`);
    expect(srt.status).toBe(200);
  }, 360_000);

  it.each([
    ['loopback', () => `http://127.0.0.1:${port}/talks/distributed-systems.mp4`],
    ['a redirect from an allowed host to loopback', () => `http://localhost:${port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${port}/talks/distributed-systems.mp4`)}`],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['IPv6 loopback', () => `http://[::1]:${port}/`],
    ['a decimal-encoded IP', () => `http://2130706433:${port}/talks/distributed-systems.mp4`],
  ])('refuses %s with 422 INGEST.URL_NOT_ALLOWED', async (_name, url) => {
    const answer = await ada.json('/recordings/add-url', { method: 'POST', body: JSON.stringify({ url: url() }) });
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ code: 'INGEST.URL_NOT_ALLOWED', status: 422 });
  });
});
