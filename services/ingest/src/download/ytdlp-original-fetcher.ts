import { createHash } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { DownloadRecording } from '@leap/contracts';
import type { YtDlp } from '../ytdlp/ytdlp.client';
import type { FetchedOriginal, FetchOptions, OriginalFetcher } from './original-fetcher';

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  opus: 'audio/ogg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
};

/**
 * Media behind a page (a video platform, a playlist entry), fetched by yt-dlp into a folder of
 * its own per recording under INGEST_DOWNLOAD_DIR, kept between attempts so that yt-dlp resumes
 * its `.part` file after an interruption, and removed once the original is stored.
 */
export class YtDlpOriginalFetcher implements OriginalFetcher {
  constructor(
    private readonly ytdlp: YtDlp,
    private readonly downloadDir: string,
  ) {}

  async fetch(cmd: DownloadRecording, options: FetchOptions): Promise<FetchedOriginal> {
    const dir = join(this.downloadDir, `ytdlp-${createHash('sha256').update(cmd.recordingId).digest('hex').slice(0, 32)}`);
    await mkdir(dir, { recursive: true });
    const discard = () => rm(dir, { recursive: true, force: true });
    try {
      const before = await partBytes(dir);
      const result = await this.ytdlp.download(cmd.url, dir, {
        quality: cmd.quality,
        formatPreference: cmd.formatPreference,
        maxBytes: options.maxBytes,
        signal: options.signal,
        onBytes: options.onBytes,
      });
      const extension = extname(result.path).slice(1).toLowerCase() || 'bin';
      const { size } = await stat(result.path);
      return {
        path: result.path,
        sizeBytes: size,
        extension,
        contentType: CONTENT_TYPES[extension],
        resumedFromBytes: before,
        title: result.info.title || undefined,
        discard,
      };
    } catch (error) {
      if (!options.signal.aborted && (error as { retryable?: boolean }).retryable === false) await discard();
      throw error;
    }
  }
}

/** Bytes of an earlier attempt's `.part` files, which yt-dlp continues. */
async function partBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) {
    if (name.endsWith('.part')) total += (await stat(join(dir, name))).size;
  }
  return total;
}
