import type { DownloadRecording } from '@leap/contracts';

/** The original, fetched to a local file and waiting to be stored. */
export interface FetchedOriginal {
  path: string;
  sizeBytes: number;
  contentType?: string;
  /** File extension for the storage key (`mp4`, `webm`, `mp3`…). */
  extension: string;
  /** Bytes an earlier attempt had fetched already. */
  resumedFromBytes: number;
  /** The title the source gives the media, when it has one (yt-dlp). */
  title?: string;
  /** Removes the local file(s); called once the original is stored or will never be. */
  discard(): Promise<void>;
}

export interface FetchOptions {
  signal: AbortSignal;
  onBytes(done: number, total: number | undefined): void;
  maxBytes: number;
}

/** One way of fetching an original (plain HTTP, yt-dlp), chosen by the command's method. */
export interface OriginalFetcher {
  fetch(cmd: DownloadRecording, options: FetchOptions): Promise<FetchedOriginal>;
}

const EXTENSIONS: Record<string, string> = {
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'video/x-matroska': 'mkv',
  'video/x-msvideo': 'avi',
  'video/mpeg': 'mpg',
  'audio/mpeg': 'mp3',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/webm': 'weba',
  'audio/flac': 'flac',
};
const KNOWN = new Set([...Object.values(EXTENSIONS), 'mkv', 'mts', 'm4v', 'opus', 'aac']);

/** The extension of the stored original: from the media type, else from the URL's path, else `bin` (ffprobe finds out). */
export function extensionFor(contentType: string | undefined, url: string): string {
  if (contentType && EXTENSIONS[contentType.toLowerCase()]) return EXTENSIONS[contentType.toLowerCase()];
  try {
    const match = /\.([a-z0-9]{2,5})$/i.exec(new URL(url).pathname);
    if (match && KNOWN.has(match[1].toLowerCase())) return match[1].toLowerCase();
  } catch {
    // Not a URL: no extension from it.
  }
  return 'bin';
}
