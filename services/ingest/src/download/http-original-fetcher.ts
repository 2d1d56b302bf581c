import type { DownloadRecording } from '@leap/contracts';
import { HttpTransfer } from './http-transfer';
import { extensionFor, type FetchedOriginal, type FetchOptions, type OriginalFetcher } from './original-fetcher';
import type { PartialDownloads } from './partial-download';

/** Headers a source's downloads need (a Zoom access token), found by the download job itself: none travels in a message. */
export type DownloadAuthorizer = (cmd: DownloadRecording) => Promise<Record<string, string>>;

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
      const headers = await this.authorize(cmd);
      const result = await this.transfer.fetch({
        headers,
        recordingId: cmd.recordingId,
        url: cmd.url,
        expectedSizeBytes: expected || undefined,
        maxBytes: options.maxBytes,
        signal: options.signal,
        onBytes: options.onBytes,
      });
      return {
        ...result,
        extension: extensionFor(result.contentType, cmd.url),
        discard: () => this.partials.remove(cmd.recordingId),
      };
    } catch (error) {
      // A source that failed for good will not be resumed: its bytes are of no use.
      if (!options.signal.aborted && (error as { retryable?: boolean }).retryable === false) await this.partials.remove(cmd.recordingId);
      throw error;
    }
  }
}
