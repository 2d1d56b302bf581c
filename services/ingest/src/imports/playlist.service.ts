import { Injectable } from '@nestjs/common';
import type { AddRecordingsFromPlaylist, AddRecordingsFromPlaylistResult, FormatsPreview, MediaFormat, PlaylistEntryResult, PreviewFormats } from '@leap/contracts';
import { newMessageId } from '@leap/messaging';
import { RecordingSourceRepository } from '../download/recording-source.repository';
import { PipelineService, type PipelineTx } from '../pipeline/pipeline.service';
import { TemplatesService } from '../templates/templates.service';
import { YtDlp } from '../ytdlp/ytdlp.client';
import { AddUrlService, FORMAT_PREFERENCES, QUALITIES } from './add-url.service';
import { sourceKeyOf } from './source-key';

const DEFAULT_LIMIT = 200;

/** What a URL offers (formats preview) and playlists (one recording per entry), through yt-dlp. */
@Injectable()
export class PlaylistService {
  constructor(
    private readonly addUrl: AddUrlService,
    private readonly ytdlp: YtDlp,
    private readonly pipeline: PipelineService,
    private readonly sources: RecordingSourceRepository,
    private readonly templates: TemplatesService,
  ) {}

  async preview(query: PreviewFormats): Promise<FormatsPreview> {
    const url = await this.addUrl.checkedUrl(query.url);
    const info = await this.ytdlp.probe(url.href);
    const formats: MediaFormat[] = (info.formats ?? []).map((f) => {
      const hasVideo = f.vcodec ? f.vcodec !== 'none' : Boolean(f.height);
      const hasAudio = f.acodec ? f.acodec !== 'none' : !hasVideo;
      const size = f.filesize ?? f.filesize_approx;
      return {
        formatId: f.format_id ?? '',
        ...(f.ext ? { ext: f.ext } : {}),
        ...(f.height ? { height: f.height } : {}),
        hasVideo,
        hasAudio,
        ...(size ? { sizeBytes: String(Math.round(size)) } : {}),
        ...(f.format_note ? { note: f.format_note } : {}),
      };
    });
    const heights = [...new Set(formats.map((f) => f.height).filter((h): h is number => Boolean(h)))].sort((a, b) => b - a);
    return {
      ...(info.title ? { title: info.title } : {}),
      sourceKey: sourceKeyOf(info, url.href),
      ...(info.duration ? { durationSeconds: info.duration } : {}),
      heights,
      formats: formats.filter((f) => f.formatId),
    };
  }

  /**
   * Lists the playlist flat (one request, not one per entry), then adds each entry the user does
   * not have yet. The listing runs before the transaction's writes; the writes are short.
   */
  async addPlaylist(tx: PipelineTx, query: AddRecordingsFromPlaylist): Promise<AddRecordingsFromPlaylistResult> {
    const url = await this.addUrl.checkedUrl(query.url);
    const quality = QUALITIES.find((q) => q === (query.quality || 'best')) ?? this.addUrl.invalidOption('quality', QUALITIES);
    const formatPreference = FORMAT_PREFERENCES.find((f) => f === (query.formatPreference || 'mp4')) ?? this.addUrl.invalidOption('format_preference', FORMAT_PREFERENCES);
    const info = await this.ytdlp.probe(url.href, { playlist: true });
    const all = info.entries ?? [info];
    const limit = query.limit && query.limit > 0 ? Math.min(query.limit, DEFAULT_LIMIT) : DEFAULT_LIMIT;
    const entries: PlaylistEntryResult[] = [];
    for (const entry of all.slice(0, limit)) {
      const entryUrl = entry.webpage_url || entry.url;
      if (!entryUrl) continue;
      const entryTarget = new URL(entryUrl, url);
      // A playlist names its entries: only web addresses are taken (no file:, rtmp: or the like).
      if (entryTarget.protocol !== 'http:' && entryTarget.protocol !== 'https:') continue;
      const absolute = entryTarget.href;
      const sourceKey = sourceKeyOf(entry, absolute, info);
      const existing = await this.sources.findByKey(tx.manager, query.userId, sourceKey);
      if (existing) {
        entries.push({ sourceKey, recordingId: existing.recordingId, outcome: 'existing', ...(entry.title ? { title: entry.title } : {}) });
        continue;
      }
      // Every address an entry leads to is checked again when it downloads.
      const recordingId = newMessageId();
      const title = (entry.title || sourceKey).slice(0, 500);
      await this.pipeline.registerImported(tx, {
        recordingId,
        userId: query.userId,
        title,
        autoRun: query.autoRun ?? false,
        outputPresets: query.outputPresets,
        source: {
          method: 'YT_DLP',
          url: absolute,
          sourceKey,
          platform: sourceKey.split(':')[0],
          expectedSizeBytes: null,
          quality,
          formatPreference,
          metadata: { titleFromSource: !entry.title, playlistUrl: url.href, ...(query.templateId ? { templateId: query.templateId } : {}) },
        },
      });
      await this.templates.bindOnCreate(tx.manager, { recordingId, userId: query.userId, templateId: query.templateId });
      entries.push({ sourceKey, recordingId, title, outcome: 'created' });
    }
    return { ...(info.title ? { title: info.title } : {}), total: all.length, entries };
  }
}
