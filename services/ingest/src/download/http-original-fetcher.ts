import type { DownloadRecording } from '@leap/contracts';
import { HttpTransfer } from './http-transfer';
import { extensionFor, type FetchedOriginal, type FetchOptions, type OriginalFetcher } from './original-fetcher';
import type { PartialDownloads } from './partial-download';

/**
 * What a source's download needs that the command does not carry, found by the download job
 * itself: headers (a Zoom access token) and, for a source whose links expire (Yandex Disk), the
 * URL to fetch now. No token travels in a message.
 */
export type DownloadAuthorizer = (cmd: DownloadRecording, signal?: AbortSignal) => Promise<{ headers?: Record<string, string>; url?: string }>;

/** A direct media URL, fetched with resumable HTTP. */
export class HttpOriginalFetcher implements OriginalFetcher {
  constructor(
    private readonly transfer: HttpTransfer,
    private readonly partials: PartialDownloads,
    private readonly authorize: DownloadAuthorizer = async () => ({}),
  ) {}

  async fetch(cmd: DownloadRecording, options: FetchOptions): Promise<FetchedOriginal> {
    const expected = cmd.expectedSizeBytes ? Number(cmd.expectedSizeBytes) : undefined;
    try {
      const { headers = {}, url = cmd.url } = await this.authorize(cmd, options.signal);
      const result = await this.transfer.fetch({
        headers,
        recordingId: cmd.recordingId,
        url,
        expectedSizeBytes: expected || undefined,
        maxBytes: options.maxBytes,
        signal: options.signal,
        onBytes: options.onBytes,
      });
      return {
        ...result,
        extension: extensionFor(result.contentType, url),
        discard: () => this.partials.remove(cmd.recordingId),
      };
    } catch (error) {
      // A source that failed for good will not be resumed: its bytes are of no use.
      if (!options.signal.aborted && (error as { retryable?: boolean }).retryable === false) await this.partials.remove(cmd.recordingId);
      throw error;
    }
  }
}
