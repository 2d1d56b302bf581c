import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { AddressNotAllowedError, type OutboundHttp, type OutboundResponse } from '@leap/outbound';
import { downloadErrors } from './download-errors';
import type { PartialDownloads, PartialMeta } from './partial-download';

export interface TransferRequest {
  recordingId: string;
  url: string;
  /** The size the source announced beforehand (Zoom's `file_size`, a playlist entry's): a different one fails. */
  expectedSizeBytes?: number;
  /** The most a recording may weigh. */
  maxBytes: number;
  signal?: AbortSignal;
  /** Bytes on disk so far (an earlier attempt's included), and the total when known. */
  onBytes?: (done: number, total: number | undefined) => void;
  /** Sent with every request (a source's `Authorization`; dropped by a redirect to another host). */
  headers?: Record<string, string>;
}

export interface TransferResult {
  /** The complete file, in the partial downloads folder (the caller stores it, then removes it). */
  path: string;
  sizeBytes: number;
  /** The media type the source declared, unless it was a generic one. */
  contentType?: string;
  /** Bytes an earlier attempt had fetched, which this one did not fetch again. */
  resumedFromBytes: number;
}

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml|text\/plain|application\/json)\b/i;
const GENERIC_TYPES = /^(application\/octet-stream|binary\/octet-stream)\b/i;
/** Markup at the start of a body that claims to be media: a login or error page. */
const HTML_START = /^(\s|\ufeff)*<(!doctype html|html|head|body|\?xml)/i;

/**
 * A plain HTTP(S) download of a media file into the partial downloads folder, through the
 * outbound address guard. An interrupted transfer continues where it stopped with
 * `Range: bytes=<n>-` and `If-Range` (so a file that changed meanwhile is fetched again from the
 * start rather than spliced); a source that keeps ending early without sending anything new is
 * given up as truncated. An HTML page where media was expected, a size that disagrees with the
 * announced one, and a file over the limit each fail with their own code.
 */
export class HttpTransfer {
  constructor(
    private readonly http: OutboundHttp,
    private readonly partials: PartialDownloads,
    /** Requests in a row that bring no new byte before the download is called truncated. */
    private readonly maxStalls = 3,
  ) {}

  async fetch(request: TransferRequest): Promise<TransferResult> {
    const { recordingId, url, signal } = request;
    const { data: path } = this.partials.paths(recordingId);
    const opened = await this.partials.open(recordingId, url);
    let bytes = opened.bytes;
    let meta: PartialMeta | undefined = opened.meta;
    const resumedFromBytes = bytes;
    let contentType: string | undefined;
    let stalls = 0;
    for (;;) {
      signal?.throwIfAborted();
      const before = bytes;
      let response: OutboundResponse;
      try {
        response = await this.request(url, bytes, meta, signal, request.headers);
      } catch (error) {
        if (signal?.aborted || isFinal(error) || !isConnectionError(error)) throw error;
        stalls += 1;
        if (stalls > this.maxStalls) throw downloadErrors.truncated(bytes, meta?.totalBytes);
        continue;
      }
      if (response.status === 416 && meta?.totalBytes !== undefined && bytes === meta.totalBytes) {
        response.body.resume();
        break;
      }
      let restart = bytes === 0;
      let total: number | undefined;
      if (response.status === 206 && bytes > 0) {
        const range = parseContentRange(response.headers['content-range']);
        if (!range || range.start !== bytes) {
          // Not the bytes asked for: start over rather than splice.
          response.body.destroy();
          await this.partials.remove(recordingId);
          ({ bytes, meta } = { bytes: 0, meta: undefined });
          stalls += 1;
          if (stalls > this.maxStalls) throw downloadErrors.truncated(0, request.expectedSizeBytes);
          continue;
        }
        total = range.total;
      } else if (response.status === 200) {
        // The source ignored the range (or the file changed, per If-Range): the whole file again.
        restart = true;
        bytes = 0;
        const length = Number(response.headers['content-length']);
        total = Number.isSafeInteger(length) && response.headers['content-length'] !== undefined ? length : undefined;
      } else {
        response.body.destroy();
        throw downloadErrors.httpStatus(response.status);
      }
      const declared = response.headers['content-type'];
      if (declared && HTML_TYPES.test(declared)) {
        response.body.destroy();
        throw downloadErrors.notMedia(declared.split(';')[0]);
      }
      if (declared && !GENERIC_TYPES.test(declared)) contentType = declared.split(';')[0].trim();
      total ??= meta?.totalBytes;
      if (total !== undefined && request.expectedSizeBytes !== undefined && total !== request.expectedSizeBytes) {
        response.body.destroy();
        throw downloadErrors.sizeMismatch(total, request.expectedSizeBytes);
      }
      if (total !== undefined && total > request.maxBytes) {
        response.body.destroy();
        throw downloadErrors.tooLarge(total, request.maxBytes);
      }
      // From here to the pipe nothing may wait: a body left without listeners loses what a
      // closing connection had delivered.
      meta = { url, validator: validatorOf(response), totalBytes: total };
      this.partials.saveMetaSync(recordingId, meta);
      const limit = total ?? request.maxBytes;
      let interrupted = false;
      try {
        await writeBody(response, path, restart, signal, new BodyCheck(bytes === 0, (chunk) => {
          bytes += chunk;
          if (bytes > limit) throw total !== undefined ? downloadErrors.sizeMismatch(bytes, total) : downloadErrors.tooLarge(bytes, limit);
          request.onBytes?.(bytes, total);
        }));
      } catch (error) {
        if (signal?.aborted || isFinal(error)) throw error;
        // The connection dropped mid-body: resume below.
        interrupted = true;
      }
      // What is on disk is what counts for the next range.
      bytes = (await stat(path)).size;
      if (!interrupted && (total === undefined || bytes === total)) {
        if (bytes === 0) throw downloadErrors.emptySource();
        break;
      }
      stalls = bytes > before ? 0 : stalls + 1;
      if (stalls > this.maxStalls) throw downloadErrors.truncated(bytes, total);
    }
    if (request.expectedSizeBytes !== undefined && bytes !== request.expectedSizeBytes) throw downloadErrors.sizeMismatch(bytes, request.expectedSizeBytes);
    return { path, sizeBytes: bytes, contentType, resumedFromBytes };
  }

  private async request(url: string, from: number, meta: PartialMeta | undefined, signal?: AbortSignal, extra: Record<string, string> = {}): Promise<OutboundResponse> {
    const headers: Record<string, string> = { ...extra, 'accept-encoding': 'identity' };
    if (from > 0) {
      headers.range = `bytes=${from}-`;
      if (meta?.validator) headers['if-range'] = meta.validator;
    }
    try {
      return await this.http.request(url, { headers, signal });
    } catch (error) {
      if (error instanceof AddressNotAllowedError) throw downloadErrors.urlNotAllowed(error.message, error.details);
      throw error;
    }
  }
}

/** Counts bytes as they pass and refuses markup at the start of the file. */
class BodyCheck extends Transform {
  private head = '';
  private checking: boolean;

  constructor(
    fromStart: boolean,
    private readonly onChunk: (bytes: number) => void,
  ) {
    super();
    this.checking = fromStart;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      if (this.checking) {
        this.head += chunk.subarray(0, 512).toString('latin1');
        if (HTML_START.test(this.head)) throw downloadErrors.notMedia('an HTML page');
        if (this.head.length >= 64) this.checking = false;
      }
      this.onChunk(chunk.length);
      done(null, chunk);
    } catch (error) {
      done(error as Error);
    }
  }
}

/**
 * Streams the body to the end of the file. Unlike `pipeline`, a body that breaks off does not
 * destroy the file stream: what arrived is flushed to disk, so the next range starts after it.
 */
function writeBody(response: OutboundResponse, path: string, restart: boolean, signal: AbortSignal | undefined, check: BodyCheck): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const writer = createWriteStream(path, { flags: restart ? 'w' : 'a' });
    let failure: unknown;
    const fail = (error: unknown) => {
      failure ??= error;
      response.body.unpipe(check);
      response.body.destroy();
      check.end();
    };
    const onAbort = () => fail(signal?.reason ?? new Error('aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    response.body.on('error', fail);
    response.body.on('aborted', () => fail(new Error('the connection closed mid-body')));
    check.on('error', (error) => {
      failure = error;
      response.body.destroy();
      writer.end();
    });
    writer.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      response.body.destroy();
      reject(error);
    });
    writer.on('finish', () => {
      signal?.removeEventListener('abort', onAbort);
      if (failure !== undefined) reject(failure);
      else resolve();
    });
    response.body.pipe(check).pipe(writer);
  });
}

const CONNECTION_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'OUTBOUND.TIMEOUT']);

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && CONNECTION_ERRORS.has(code);
}

function isFinal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'string' && (error as { code: string }).code.startsWith('INGEST.');
}

function validatorOf(response: OutboundResponse): string | undefined {
  const etag = response.headers.etag;
  // A weak ETag may not be used in If-Range (RFC 9110 13.1.5).
  if (etag && !etag.startsWith('W/')) return etag;
  return response.headers['last-modified'];
}

function parseContentRange(header: string | undefined): { start: number; end: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match) return undefined;
  return { start: Number(match[1]), end: Number(match[2]), total: match[3] === '*' ? undefined : Number(match[3]) };
}
