import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboundHttp, OutboundPolicy } from '@leap/outbound';
import { eventually, FakeMediaServer, startProcess } from '@leap/testing';
import { HttpTransfer } from './http-transfer';
import { PartialDownloads } from './partial-download';

const MEDIA = Buffer.concat([Buffer.from('\x00\x00\x00\x20ftypisom'), randomBytes(256 * 1024)]);

describe('HttpTransfer against a local media server', () => {
  let server: FakeMediaServer;
  let dir: string;
  let partials: PartialDownloads;
  let transfer: HttpTransfer;
  let n = 0;
  const id = () => `recording-${++n}`;

  beforeAll(async () => {
    server = await new FakeMediaServer().start();
    dir = await mkdtemp(join(tmpdir(), 'leap-transfer-'));
    partials = new PartialDownloads(dir, 60_000);
    transfer = new HttpTransfer(new OutboundHttp(new OutboundPolicy({ allowedHosts: '127.0.0.1' })), partials);
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches a whole file, reporting bytes as they come', async () => {
    const url = server.serve('/whole.mp4', { body: MEDIA, etag: '"v1"' });
    const seen: number[] = [];
    const result = await transfer.fetch({ recordingId: id(), url, maxBytes: 10 ** 9, onBytes: (done) => seen.push(done) });
    expect(result).toMatchObject({ sizeBytes: MEDIA.length, contentType: 'video/mp4', resumedFromBytes: 0 });
    expect(await readFile(result.path)).toEqual(MEDIA);
    expect(seen.at(-1)).toBe(MEDIA.length);
  });

  it('resumes a transfer cut mid-body with a Range request, and fetches no byte twice', async () => {
    const url = server.serve('/cut.mp4', { body: MEDIA, etag: '"v1"', cutAfter: [100_000, 50_000] });
    const result = await transfer.fetch({ recordingId: id(), url, maxBytes: 10 ** 9, expectedSizeBytes: MEDIA.length });
    expect(await readFile(result.path)).toEqual(MEDIA);
    const asked = server.requests.filter((r) => r.path === '/cut.mp4');
    expect(asked.map((r) => [r.status, r.range, r.ifRange])).toEqual([
      [200, undefined, undefined],
      [206, 'bytes=100000-', '"v1"'],
      [206, 'bytes=150000-', '"v1"'],
    ]);
    expect(server.bytesSent('/cut.mp4')).toBe(MEDIA.length);
  });

  it('continues an aborted download in a later attempt from the bytes already on disk', async () => {
    const recordingId = id();
    const url = server.serve('/held.mp4', { body: MEDIA, etag: '"v1"', holdAfter: 120_000 });
    const controller = new AbortController();
    const first = transfer.fetch({ recordingId, url, maxBytes: 10 ** 9, signal: controller.signal });
    await eventually(() => expect(server.holding).toBe(true));
    // Paused once what was sent is on disk (sent is not yet written on a loaded machine).
    await eventually(async () => expect((await stat(partials.paths(recordingId).data)).size).toBe(120_000));
    controller.abort(new Error('paused'));
    await expect(first).rejects.toThrow();
    server.serve('/held.mp4', { body: MEDIA, etag: '"v1"' });
    const result = await transfer.fetch({ recordingId, url, maxBytes: 10 ** 9 });
    expect(await readFile(result.path)).toEqual(MEDIA);
    expect(result.resumedFromBytes).toBe(120_000);
    expect(server.requests.filter((r) => r.path === '/held.mp4').at(-1)?.range).toBe('bytes=120000-');
    expect(server.bytesSent('/held.mp4')).toBe(MEDIA.length);
  });

  it('resumes, in a new process, a download whose process was killed (SIGKILL) mid-transfer', async () => {
    const recordingId = id();
    const url = server.serve('/crash.mp4', { body: MEDIA, etag: '"c"', holdAfter: 150_000 });
    const script = join(__dirname, 'testing', 'transfer-process.ts');
    const run = () =>
      startProcess({ name: 'transfer', command: process.execPath, args: ['-r', '@swc-node/register', script, dir, recordingId, url, '127.0.0.1'], cwd: join(__dirname, '../../../..') });
    const first = await run();
    // Killed once the bytes sent so far are on disk, as a crash between two writes would leave them.
    await eventually(async () => expect((await stat(partials.paths(recordingId).data)).size).toBe(150_000), { timeoutMs: 20_000 });
    await first.kill();
    server.serve('/crash.mp4', { body: MEDIA, etag: '"c"' });
    const second = await run();
    const done = await second.waitForLine((line) => line.startsWith('done '), 30_000);
    expect(done).toBe(`done ${MEDIA.length} resumed 150000`);
    expect(await readFile(partials.paths(recordingId).data)).toEqual(MEDIA);
    expect(server.requests.filter((r) => r.path === '/crash.mp4').map((r) => r.range)).toEqual([undefined, 'bytes=150000-']);
    expect(server.bytesSent('/crash.mp4')).toBe(MEDIA.length);
  }, 300_000);

  it('starts over when the source ignores the range', async () => {
    const url = server.serve('/norange.mp4', { body: MEDIA, cutAfter: [70_000], noRanges: true });
    const result = await transfer.fetch({ recordingId: id(), url, maxBytes: 10 ** 9 });
    expect(await readFile(result.path)).toEqual(MEDIA);
    expect(server.bytesSent('/norange.mp4')).toBe(70_000 + MEDIA.length);
  });

  it('gives up as truncated when the source keeps ending without sending more', async () => {
    const url = server.serve('/truncated.mp4', { body: MEDIA, cutAfter: [1000, 0, 0, 0, 0, 0] });
    await expect(transfer.fetch({ recordingId: id(), url, maxBytes: 10 ** 9 })).rejects.toMatchObject({ code: 'INGEST.DOWNLOAD_TRUNCATED', retryable: false });
  });

  it('refuses an HTML page, declared or disguised', async () => {
    const page = Buffer.from('<!DOCTYPE html><html><body>Sign in to continue</body></html>');
    const declared = server.serve('/login', { body: page, contentType: 'text/html; charset=utf-8' });
    const disguised = server.serve('/login.mp4', { body: page, contentType: 'application/octet-stream' });
    await expect(transfer.fetch({ recordingId: id(), url: declared, maxBytes: 10 ** 9 })).rejects.toMatchObject({ code: 'INGEST.DOWNLOAD_NOT_MEDIA' });
    await expect(transfer.fetch({ recordingId: id(), url: disguised, maxBytes: 10 ** 9 })).rejects.toMatchObject({ code: 'INGEST.DOWNLOAD_NOT_MEDIA' });
  });

  it('refuses a size other than the announced one, and a file over the limit', async () => {
    const url = server.serve('/sized.mp4', { body: MEDIA });
    await expect(transfer.fetch({ recordingId: id(), url, maxBytes: 10 ** 9, expectedSizeBytes: MEDIA.length + 1 })).rejects.toMatchObject({
      code: 'INGEST.DOWNLOAD_SIZE_MISMATCH',
    });
    await expect(transfer.fetch({ recordingId: id(), url, maxBytes: 1000 })).rejects.toMatchObject({ code: 'INGEST.DOWNLOAD_TOO_LARGE' });
  });

  it('answers a missing file with its HTTP status', async () => {
    await expect(transfer.fetch({ recordingId: id(), url: server.url('/missing.mp4'), maxBytes: 10 ** 9 })).rejects.toMatchObject({
      code: 'INGEST.DOWNLOAD_HTTP_ERROR',
      retryable: false,
    });
  });

  it('refuses internal addresses unless OUTBOUND_ALLOWED_HOSTS names them, redirects included', async () => {
    const strict = new HttpTransfer(new OutboundHttp(new OutboundPolicy()), partials);
    const url = server.serve('/private.mp4', { body: MEDIA });
    await expect(strict.fetch({ recordingId: id(), url, maxBytes: 10 ** 9 })).rejects.toMatchObject({ code: 'INGEST.URL_NOT_ALLOWED', status: 422 });
    const viaName = new HttpTransfer(
      new OutboundHttp(new OutboundPolicy({ allowedHosts: 'media.test', resolver: async () => [{ address: '127.0.0.1', family: 4 }] })),
      partials,
    );
    const port = new URL(url).port;
    const redirect = `http://media.test:${port}/redirect?to=${encodeURIComponent(url)}`;
    await expect(viaName.fetch({ recordingId: id(), url: redirect, maxBytes: 10 ** 9 })).rejects.toMatchObject({ code: 'INGEST.URL_NOT_ALLOWED' });
    expect(server.bytesSent('/private.mp4')).toBe(0);
  });
});
