import { Injectable } from '@nestjs/common';
import { AddUrlService } from '../imports/add-url.service';
import { sourceKeyOf } from '../imports/source-key';
import { YtDlp } from '../ytdlp/ytdlp.client';
import type { SourceAdapter, SourceItem, SourceToList, SyncWindow } from './source-adapter';

const DEFAULT_LIMIT = 200;

/**
 * A VIDEO_URL source: a playlist, a channel or one video, listed through yt-dlp (flat, one
 * request). No credential. An entry whose upload date yt-dlp gives and that falls outside the
 * window is left out; entries without a date are listed.
 */
@Injectable()
export class VideoUrlAdapter implements SourceAdapter {
  readonly platform = 'VIDEO_URL';

  constructor(
    private readonly ytdlp: YtDlp,
    private readonly addUrl: AddUrlService,
  ) {}

  async list(source: SourceToList, window: SyncWindow): Promise<SourceItem[]> {
    const config = source.config as { url: string; quality?: string; formatPreference?: string; limit?: number };
    const url = await this.addUrl.checkedUrl(config.url);
    const info = await this.ytdlp.probe(url.href, { playlist: true });
    const entries = (info.entries ?? [info]).slice(0, config.limit ?? DEFAULT_LIMIT);
    const items: SourceItem[] = [];
    for (const entry of entries) {
      const entryUrl = entry.webpage_url || entry.url;
      if (!entryUrl) continue;
      const target = new URL(entryUrl, url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') continue;
      const startedAt = startOf(entry as { timestamp?: number; upload_date?: string });
      if (startedAt && (startedAt < window.from || startedAt >= window.until)) continue;
      const sourceKey = sourceKeyOf(entry, target.href, info);
      items.push({
        sourceKey,
        title: (entry.title || sourceKey).slice(0, 500),
        startedAt,
        sizeBytes: null,
        durationSeconds: entry.duration ?? null,
        download: { method: 'YT_DLP', url: target.href, quality: config.quality ?? 'best', formatPreference: config.formatPreference ?? 'mp4' },
        metadata: { titleFromSource: !entry.title, playlistUrl: url.href },
      });
    }
    return items;
  }
}

function startOf(entry: { timestamp?: number; upload_date?: string }): Date | null {
  if (typeof entry.timestamp === 'number') return new Date(entry.timestamp * 1000);
  if (entry.upload_date && /^\d{8}$/.test(entry.upload_date)) {
    const d = entry.upload_date;
    return new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z`);
  }
  return null;
}
