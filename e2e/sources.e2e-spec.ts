import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FakeMediaServer, generateLecture } from '@leap/testing';
import { signUp, startDistributedPlatform, waitUntilReady, type ApiClient, type DistributedPlatform } from './support';

/**
 * Recordings from URLs, through the gateway, with every service its own process: the real yt-dlp
 * fetches a generated lecture from a local media server to READY, and the address guard refuses
 * internal addresses in every spelling. Ingest may reach the one host name its
 * OUTBOUND_ALLOWED_HOSTS names (`localhost`, standing for a public host); the addresses behind it
 * stay refused when named directly or reached by a redirect.
 */
describe('recordings from URLs (distributed)', () => {
  let platform: DistributedPlatform;
  let work: string;
  let media: FakeMediaServer;
  let port = 0;
  let ada: ApiClient;

  beforeAll(async () => {
    media = await new FakeMediaServer().start();
    port = Number(new URL(media.url('/')).port);
    platform = await startDistributedPlatform('sources', { env: () => ({ ingest: { OUTBOUND_ALLOWED_HOSTS: 'localhost' } }) });
    work = platform.work;
    ada = await signUp(platform.api, `ada-${Date.now()}@example.org`, platform.mail);
  }, 300_000);

  afterAll(async () => {
    await platform?.close();
    await media?.close();
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
