import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One file the fake server serves, and how it misbehaves. */
export interface FakeMediaFile {
  body: Buffer;
  contentType?: string;
  etag?: string;
  /** The first requests end the connection after this many body bytes (one entry per request). */
  cutAfter?: number[];
  /** A Content-Length that is not the body's length (a lying server). */
  announcedLength?: number;
  /** Ignore Range headers (always answer 200 with the whole file). */
  noRanges?: boolean;
  /** Hold every answer after this many bytes until `release()` (to pause or kill a download mid-transfer). */
  holdAfter?: number;
}

/** What one request asked and what it was sent. */
export interface FakeMediaRequest {
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
  /** Body bytes actually written to the socket. */
  bytesSent: number;
}

/**
 * A media file server on 127.0.0.1 for download tests: byte ranges (206, 416), ETags, redirects
 * (`/redirect?to=<url>`), and faults on demand (connections cut mid-body, a lying
 * Content-Length, an answer held until released). It records every request with the bytes it
 * really sent, so a test can check that a resumed download did not fetch anything twice.
 */
export class FakeMediaServer {
  readonly requests: FakeMediaRequest[] = [];
  private readonly files = new Map<string, FakeMediaFile>();
  private readonly held = new Set<() => void>();
  private server?: Server;
  private port = 0;

  serve(path: string, file: FakeMediaFile): string {
    this.files.set(path, file);
    return this.url(path);
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Total body bytes sent for a path, every request counted. */
  bytesSent(path: string): number {
    return this.requests.filter((r) => r.path === path).reduce((sum, r) => sum + r.bytesSent, 0);
  }

  /** Lets held answers go on. */
  release(): void {
    for (const go of this.held) go();
    this.held.clear();
  }

  /** Whether an answer waits, held, after `holdAfter` bytes. */
  get holding(): boolean {
    return this.held.size > 0;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.pathname === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
      return;
    }
    const file = this.files.get(url.pathname);
    const record: FakeMediaRequest = {
      path: url.pathname,
      range: req.headers.range,
      ifRange: req.headers['if-range'] as string | undefined,
      status: 404,
      bytesSent: 0,
    };
    this.requests.push(record);
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const size = file.body.length;
    let start = 0;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRangeOk = !req.headers['if-range'] || req.headers['if-range'] === file.etag;
    if (range && !file.noRanges && ifRangeOk) {
      start = Number(range[1]);
      if (start >= size) {
        record.status = 416;
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
    }
    const chunk = file.body.subarray(start);
    const headers: Record<string, string | number> = {
      'content-type': file.contentType ?? 'video/mp4',
      'content-length': file.announcedLength ?? chunk.length,
      'accept-ranges': 'bytes',
    };
    if (file.etag) headers.etag = file.etag;
    if (status === 206) headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    record.status = status;
    res.writeHead(status, headers);
    const cut = file.cutAfter?.shift();
    const limit = Math.min(cut ?? chunk.length, chunk.length);
    const send = (from: number, to: number) => {
      if (to > from) {
        res.write(chunk.subarray(from, to));
        record.bytesSent += to - from;
      }
    };
    const finish = () => {
      if (cut !== undefined && cut < chunk.length) {
        // Make sure the bytes leave before the connection is cut.
        res.socket?.end(() => res.socket?.destroy());
        setTimeout(() => res.socket?.destroy(), 50).unref();
      } else res.end();
    };
    const hold = file.holdAfter !== undefined && file.holdAfter < limit ? file.holdAfter : undefined;
    if (hold === undefined) {
      send(0, limit);
      finish();
      return;
    }
    send(0, hold);
    const go = () => {
      if (res.destroyed || res.socket?.destroyed) return;
      send(hold, limit);
      finish();
    };
    this.held.add(go);
    res.on('close', () => this.held.delete(go));
  }
}
