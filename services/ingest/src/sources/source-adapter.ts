/** A date window of a sync, inclusive, in UTC days. */
export interface SyncWindow {
  from: Date;
  /** The end of the last day (exclusive bound: the next day's start). */
  until: Date;
}

/** How the DOWNLOAD stage fetches an item: a direct file over HTTP (with the source's credential), or a page through yt-dlp. */
export interface DownloadDescriptor {
  method: 'HTTP' | 'YT_DLP';
  url: string;
  /** The credential the download authenticates with (its token is added by the download job, never carried). */
  credentialId?: string;
  quality?: string;
  formatPreference?: string;
}

/** One thing a source lists: what a recording is made from. */
export interface SourceItem {
  /** Stable across syncs and renames: `zoom:<meeting uuid>`, `youtube:<id>`, `yadisk:rid:<id>`. */
  sourceKey: string;
  /** Other keys the same item was (or may have been) synced under, less stable ones (Yandex Disk's md5 and path): a sync matches any. */
  alternateKeys?: string[];
  title: string;
  startedAt: Date | null;
  sizeBytes: number | null;
  durationSeconds: number | null;
  download: DownloadDescriptor;
  /** The source is not ready yet (Zoom still processing): the recording is held as PENDING_SOURCE. */
  pending?: boolean;
  /** Why the item is not worth processing (`blank`): the recording is kept SKIPPED. */
  skip?: 'blank';
  /** What else the source says about it (kept with the recording's source; never a secret). */
  metadata?: Record<string, unknown>;
}

/** An input source as an adapter sees it. */
export interface SourceToList {
  id: string;
  userId: string;
  platform: string;
  credentialId: string | null;
  config: Record<string, unknown>;
}

/**
 * One platform's way of listing a source's items in a window (Zoom, a video URL, Yandex Disk).
 * It only lists: the sync decides what becomes a recording, and the DOWNLOAD job fetches.
 */
export interface SourceAdapter {
  readonly platform: string;
  list(source: SourceToList, window: SyncWindow, signal: AbortSignal): Promise<SourceItem[]>;
}

export const SOURCE_ADAPTERS = Symbol('ingest:source-adapters');
