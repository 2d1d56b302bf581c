import { Inject, Injectable } from '@nestjs/common';
import { DownloadMethod, ObjectKind, type DownloadRecording, type ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import type { OriginalFetcher } from './original-fetcher';

export const HTTP_FETCHER = Symbol('ingest:http-fetcher');
export const YTDLP_FETCHER = Symbol('ingest:ytdlp-fetcher');
export const DOWNLOAD_LIMITS = Symbol('ingest:download-limits');

export interface DownloadLimits {
  maxBytes: number;
}

export interface DownloadResult {
  source: ObjectRef;
  resumedFromBytes: number;
  title?: string;
}

export interface DownloadProgress {
  signal: AbortSignal;
  onBytes(done: number, total: number | undefined): void;
}

/**
 * The DOWNLOAD stage's work: fetch the original (plain HTTP or yt-dlp) to a local file, then
 * stream it into storage at `users/<user>/recordings/<id>/source.<ext>`, which reports its size
 * and SHA-256. The stored size must be the fetched size.
 */
@Injectable()
export class DownloadService {
  constructor(
    @Inject(HTTP_FETCHER) private readonly http: OriginalFetcher,
    @Inject(YTDLP_FETCHER) private readonly ytdlp: OriginalFetcher,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(DOWNLOAD_LIMITS) private readonly limits: DownloadLimits,
  ) {}

  async download(cmd: DownloadRecording, progress: DownloadProgress): Promise<DownloadResult> {
    const fetcher = this.fetcher(cmd.method);
    const fetched = await fetcher.fetch(cmd, { signal: progress.signal, onBytes: progress.onBytes, maxBytes: this.limits.maxBytes });
    progress.signal.throwIfAborted();
    const key = storageKeys.source(cmd.userId, cmd.recordingId, fetched.extension);
    const stored = await this.store.putFile(key, fetched.path, fetched.contentType ? { contentType: fetched.contentType } : {});
    if (stored.sizeBytes !== fetched.sizeBytes) {
      // The local file changed under us (disk trouble): fetch again rather than keep a bad copy.
      throw new LeapError('INGEST.DOWNLOAD_STORE_MISMATCH', `Stored ${stored.sizeBytes} bytes of a ${fetched.sizeBytes}-byte download`, { retryable: true });
    }
    await fetched.discard();
    return {
      source: {
        key,
        sizeBytes: String(stored.sizeBytes),
        kind: ObjectKind.SOURCE,
        checksumSha256: stored.checksumSha256,
        ...(fetched.contentType ? { contentType: fetched.contentType } : {}),
      },
      resumedFromBytes: fetched.resumedFromBytes,
      ...(fetched.title ? { title: fetched.title } : {}),
    };
  }

  private fetcher(method: DownloadMethod): OriginalFetcher {
    if (method === DownloadMethod.HTTP) return this.http;
    if (method === DownloadMethod.YT_DLP) return this.ytdlp;
    throw new LeapError('INGEST.DOWNLOAD_METHOD_UNKNOWN', `No download method ${method}`, { retryable: false });
  }
}
