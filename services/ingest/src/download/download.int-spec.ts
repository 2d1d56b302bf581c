import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DownloadMethod, MESSAGE_TYPES, type AddRecordingFromUrl } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus, newMessageId } from '@leap/messaging';
import { OBJECT_STORE, type RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import type { ObjectStore } from '@leap/storage-client';
import { runFfmpeg } from '@leap/media-tools';
import { eventually, FakeMediaServer } from '@leap/testing';
import { ingestService } from '../service';
import { downloadObserver, observed } from '../testing/download-observer';
import { PartialDownloads } from './partial-download';

const USER = 'user-download';
const MEDIA = Buffer.concat([Buffer.from('\x00\x00\x00\x20ftypisom'), randomBytes(512 * 1024)]);
const SHA256 = createHash('sha256').update(MEDIA).digest('hex');

const { trims, downloaded, stages, progress } = observed;


/** The recording's `ingest.recording.downloaded.v1`, once it has come. */
const downloadedOf = (recordingId: string) =>
  eventually(() => {
    const event = downloaded.find((d) => d.recordingId === recordingId);
    expect(event).toBeDefined();
    return event!;
  });
const lastStage = (recordingId: string, stage: string) => stages.filter((s) => s.recordingId === recordingId && s.stage === stage).at(-1);

describe('the DOWNLOAD stage', () => {
  let world: ServiceWorld;
  let ingest: RunningService;
  let bus: MessageBus;
  let store: ObjectStore;
  let server: FakeMediaServer;
  let downloadDir: string;

  beforeAll(async () => {
    server = await new FakeMediaServer().start();
    world = await createServiceWorld('ingest_download', { JOBS_LEASE: '1s', SHUTDOWN_TIMEOUT_MS: '200' });
    downloadDir = await world.tempDir('downloads');
    world.env.INGEST_DOWNLOAD_DIR = downloadDir;
    world.env.OUTBOUND_ALLOWED_HOSTS = '127.0.0.1';
    ingest = await world.start(ingestService);
    const fakes = await world.start(downloadObserver);
    bus = fakes.app.get(MessageBus);
    store = ingest.app.get<ObjectStore>(OBJECT_STORE);
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await server?.close();
  });

  function addUrl(url: string, extra: Partial<AddRecordingFromUrl> = {}) {
    const recordingId = newMessageId();
    const query: AddRecordingFromUrl = { recordingId, userId: USER, url, autoRun: true, method: DownloadMethod.HTTP, ...extra };
    return bus.request(MESSAGE_TYPES.ingest.AddRecordingFromUrl, query, { subject: recordingId, tenant: USER, timeoutMs: 90_000 });
  }

  async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number }> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof LeapError) return { code: error.code, status: error.status };
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('streams the original into storage with its size and checksum, reports bytes, then starts the trim', async () => {
    const url = server.serve('/lecture.mp4', { body: MEDIA, etag: '"a"' });
    const added = await addUrl(url, { displayName: 'Lecture 1' });
    expect(added).toMatchObject({ status: 'DOWNLOADING', title: 'Lecture 1', created: true });
    await eventually(() => expect(trims.find((t) => t.recordingId === added.recordingId)).toBeDefined(), { timeoutMs: 30_000 });
    const trim = trims.find((t) => t.recordingId === added.recordingId)!;
    expect(trim.source).toMatchObject({ sizeBytes: String(MEDIA.length), checksumSha256: SHA256, contentType: 'video/mp4', kind: 'OBJECT_KIND_SOURCE' });
    expect(trim.source.key).toBe(`users/${USER}/recordings/${added.recordingId}/source.mp4`);
    expect(await store.getBuffer(trim.source.key)).toEqual(MEDIA);
    expect((await downloadedOf(added.recordingId)).source.checksumSha256).toBe(SHA256);
    expect(lastStage(added.recordingId, 'PIPELINE_STAGE_DOWNLOAD')?.status).toBe('STAGE_STATUS_COMPLETED');
    // Operators see the download as a job of ingest.
    const jobs = await bus.request(MESSAGE_TYPES.ingest.ListIngestJobs, { filter: { subject: added.recordingId } }, { timeoutMs: 15_000 });
    expect(jobs.jobs).toEqual([expect.objectContaining({ kind: 'ingest.download', state: 'completed', subject: added.recordingId, tenant: USER })]);
  });

  it('refuses an internal address before creating anything, in any spelling', async () => {
    // Only 127.0.0.1 is allowed in this world: other internal addresses stay refused.
    for (const url of ['http://10.0.0.1/a.mp4', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/a.mp4', 'http://2130706434/a.mp4', 'file:///etc/passwd']) {
      const answer = await refusal(addUrl(url));
      expect(answer.status).toBe(url.startsWith('file:') ? 400 : 422);
      expect(answer.code).toBe(url.startsWith('file:') ? 'INGEST.INVALID_URL' : 'INGEST.URL_NOT_ALLOWED');
    }
  });

  it('fails the stage with the source fault: an HTML page, a source that keeps ending early', async () => {
    const page = server.serve('/login', { body: Buffer.from('<!doctype html><title>Sign in</title>'), contentType: 'text/html' });
    const html = await addUrl(page);
    await eventually(() => expect(lastStage(html.recordingId, 'PIPELINE_STAGE_DOWNLOAD')?.error?.code).toBe('INGEST.DOWNLOAD_NOT_MEDIA'), { timeoutMs: 30_000 });
    expect(lastStage(html.recordingId, 'PIPELINE_STAGE_DOWNLOAD')?.status).toBe('STAGE_STATUS_FAILED');
    const cut = server.serve('/cut.mp4', { body: MEDIA, cutAfter: [1000, 0, 0, 0, 0, 0, 0, 0, 0, 0] });
    const truncated = await addUrl(cut);
    await eventually(() => expect(lastStage(truncated.recordingId, 'PIPELINE_STAGE_DOWNLOAD')?.error?.code).toBe('INGEST.DOWNLOAD_TRUNCATED'), { timeoutMs: 30_000 });
  });

  it('is cancelled by a pause, and a run resumes the transfer where it stopped', async () => {
    const url = server.serve('/paused.mp4', { body: MEDIA, etag: '"p"', holdAfter: 200_000 });
    const added = await addUrl(url);
    await eventually(() => expect(server.holding).toBe(true), { timeoutMs: 30_000 });
    await eventually(() => expect(progress.some((p) => p.recordingId === added.recordingId && Number(p.bytesDone) > 0)).toBe(true), { timeoutMs: 10_000 });
    const paused = await bus.request(MESSAGE_TYPES.ingest.PauseRecording, { recordingId: added.recordingId, userId: USER }, { subject: added.recordingId, tenant: USER });
    expect(paused).toMatchObject({ status: 'INITIALIZED', stages: ['DOWNLOAD'] });
    // The cancel reaches the transfer: the held answer's connection is closed by the client.
    await eventually(() => expect(server.holding).toBe(false), { timeoutMs: 10_000 });
    server.serve('/paused.mp4', { body: MEDIA, etag: '"p"' });
    await bus.request(MESSAGE_TYPES.ingest.RunRecording, { recordingId: added.recordingId, userId: USER }, { subject: added.recordingId, tenant: USER });
    await eventually(() => expect(trims.find((t) => t.recordingId === added.recordingId)).toBeDefined(), { timeoutMs: 30_000 });
    const done = await downloadedOf(added.recordingId);
    expect(done.source.checksumSha256).toBe(SHA256);
    expect(Number(done.resumedFromBytes)).toBeGreaterThanOrEqual(200_000);
    const asked = server.requests.filter((r) => r.path === '/paused.mp4');
    expect(asked.at(-1)).toMatchObject({ status: 206, range: `bytes=${done.resumedFromBytes}-` });
    expect(server.bytesSent('/paused.mp4')).toBe(MEDIA.length);
  });

  it('resumes a download whose worker was stopped mid-transfer, in the replica that takes the job over', async () => {
    const url = server.serve('/killed.mp4', { body: MEDIA, etag: '"k"', holdAfter: 300_000 });
    const added = await addUrl(url);
    await eventually(() => expect(server.holding).toBe(true), { timeoutMs: 30_000 });
    // Sent is not yet written: stop the worker once what the server sent is on its disk.
    const partial = new PartialDownloads(downloadDir, 60_000).paths(added.recordingId).data;
    await eventually(async () => expect((await stat(partial)).size).toBe(300_000));
    await ingest.close();
    server.serve('/killed.mp4', { body: MEDIA, etag: '"k"' });
    ingest = await world.start(ingestService);
    await eventually(() => expect(trims.find((t) => t.recordingId === added.recordingId)).toBeDefined(), { timeoutMs: 30_000 });
    const done = await downloadedOf(added.recordingId);
    expect(done.source.checksumSha256).toBe(SHA256);
    expect(Number(done.resumedFromBytes)).toBe(300_000);
    expect(server.requests.filter((r) => r.path === '/killed.mp4').map((r) => r.range)).toEqual([undefined, 'bytes=300000-']);
    expect(server.bytesSent('/killed.mp4')).toBe(MEDIA.length);
  });

  describe('through yt-dlp', () => {
    let video: Buffer;

    beforeAll(async () => {
      const dir = await world.tempDir('ytdlp-source');
      const path = join(dir, 'generated.mp4');
      await runFfmpeg(['-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path]);
      video = await readFile(path);
    }, 300_000);

    it('fetches the media a URL leads to, named by its source', async () => {
      const url = server.serve('/talks/generated-talk.mp4', { body: video });
      const added = await addUrl(url, { method: DownloadMethod.YT_DLP, quality: '720p', formatPreference: 'mp4' });
      expect(added).toMatchObject({ status: 'DOWNLOADING', title: 'generated-talk' });
      const done = await downloadedOf(added.recordingId);
      expect(done.source).toMatchObject({ sizeBytes: String(video.length), checksumSha256: createHash('sha256').update(video).digest('hex'), contentType: 'video/mp4' });
      expect(done.title).toBe('generated-talk');
      expect(await store.getBuffer(done.source.key)).toEqual(video);
      await eventually(() => expect(trims.find((t) => t.recordingId === added.recordingId)).toBeDefined(), { timeoutMs: 30_000 });
    });

    it('answers what yt-dlp cannot fetch with stable codes before creating anything, a refused redirect included', async () => {
      const page = server.serve('/about', { body: Buffer.from('<html><body>no media here</body></html>'), contentType: 'text/html' });
      expect(await refusal(addUrl(page, { method: DownloadMethod.YT_DLP }))).toEqual({ code: 'INGEST.URL_UNSUPPORTED', status: 422 });
      const redirect = server.url(`/redirect?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`);
      expect(await refusal(addUrl(redirect, { method: DownloadMethod.YT_DLP }))).toEqual({ code: 'INGEST.URL_NOT_ALLOWED', status: 422 });
    });

    it('answers the recording it has when the same source is added again', async () => {
      const url = server.serve('/talks/again.mp4', { body: video });
      const first = await addUrl(url, { method: DownloadMethod.YT_DLP });
      const second = await addUrl(url, { method: DownloadMethod.YT_DLP });
      expect(second).toMatchObject({ recordingId: first.recordingId, created: false });
    });

    it('creates a new recording when the one it had for the same source was deleted', async () => {
      const url = server.serve('/talks/deleted-then-added.mp4', { body: video });
      const first = await addUrl(url, { method: DownloadMethod.YT_DLP, autoRun: false });
      const dataSource = ingest.app.get(DataSource);
      await dataSource.transaction((m) =>
        bus.send(m, MESSAGE_TYPES.ingest.DeleteRecording, { recordingId: first.recordingId, userId: USER }, { subject: first.recordingId, tenant: USER }),
      );
      await eventually(async () => {
        const [row] = await dataSource.query(`SELECT deleted_at FROM recordings WHERE id = $1`, [first.recordingId]);
        expect(row.deleted_at).not.toBeNull();
      });
      const second = await addUrl(url, { method: DownloadMethod.YT_DLP, autoRun: false });
      expect(second).toMatchObject({ created: true });
      expect(second.recordingId).not.toBe(first.recordingId);
    });

    it('previews what a URL offers without creating anything', async () => {
      const url = server.serve('/talks/preview.mp4', { body: video });
      const preview = await bus.request(MESSAGE_TYPES.ingest.PreviewFormats, { userId: USER, url }, { subject: USER, tenant: USER, timeoutMs: 30_000 });
      expect(preview).toMatchObject({ title: 'preview', sourceKey: 'generic:preview', formats: [expect.objectContaining({ formatId: 'mp4', ext: 'mp4' })] });
      await expect(bus.request(MESSAGE_TYPES.ingest.PreviewFormats, { userId: USER, url: 'http://169.254.169.254/' }, { subject: USER, tenant: USER })).rejects.toMatchObject({
        code: 'INGEST.URL_NOT_ALLOWED',
      });
    });

    it('adds one recording per playlist entry, and a second listing adds none twice', async () => {
      const one = server.serve('/feed/one.mp4', { body: video });
      const two = server.serve('/feed/two.mp4', { body: video });
      const item = (title: string, link: string) => `<item><title>${title}</title><link>${link}</link><guid>${title.toLowerCase()}</guid></item>`;
      const feed = server.serve('/feed.xml', {
        contentType: 'application/rss+xml',
        body: Buffer.from(`<?xml version="1.0"?><rss version="2.0"><channel><title>Talks</title>${item('One', one)}${item('Two', two)}${item('Passwords', 'file:///etc/passwd')}</channel></rss>`),
      });
      const ask = () =>
        bus.request(MESSAGE_TYPES.ingest.AddRecordingsFromPlaylist, { userId: USER, url: feed, autoRun: true, quality: '480p' }, { subject: USER, tenant: USER, timeoutMs: 30_000 });
      const first = await ask();
      // The file: entry is not a web address: it is left out.
      expect(first).toMatchObject({ title: 'Talks', total: 3 });
      expect(first.entries?.map((e) => [e.sourceKey, e.title, e.outcome])).toEqual([
        ['generic:one', 'One', 'created'],
        ['generic:two', 'Two', 'created'],
      ]);
      const second = await ask();
      expect(second.entries?.map((e) => [e.recordingId, e.outcome])).toEqual(first.entries?.map((e) => [e.recordingId, 'existing']));
      for (const entry of first.entries ?? []) {
        expect((await downloadedOf(entry.recordingId)).source.checksumSha256).toBe(createHash('sha256').update(video).digest('hex'));
      }
    });
  });
});
