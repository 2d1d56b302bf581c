import { Injectable } from '@nestjs/common';
import { DownloadMethod, type AddRecordingFromUrl, type AddRecordingFromUrlResult } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { AddressNotAllowedError, OutboundPolicy } from '@leap/outbound';
import { downloadErrors } from '../download/download-errors';
import { RecordingSourceRepository } from '../download/recording-source.repository';
import { YtDlp } from '../ytdlp/ytdlp.client';
import { sourceKeyOf } from './source-key';
import { PipelineService, type PipelineTx } from '../pipeline/pipeline.service';
import { TemplatesService } from '../templates/templates.service';
import { RecordingRepository } from '../recordings/recording.repository';

export const QUALITIES = ['best', '1080p', '720p', '480p'] as const;
export const FORMAT_PREFERENCES = ['mp4', 'mp3', 'audio', 'any'] as const;
const MAX_URL_LENGTH = 2048;

/**
 * `POST /recordings/add-url`: a recording fetched from a URL. The address guard checks the URL's
 * host (and what it resolves to) before anything is created, so the caller hears at once that
 * an internal address is refused; the download re-checks every hop and connects only to checked
 * addresses, so a DNS answer that changes in between gains nothing.
 */
@Injectable()
export class AddUrlService {
  constructor(
    private readonly pipeline: PipelineService,
    private readonly recordings: RecordingRepository,
    private readonly policy: OutboundPolicy,
    private readonly ytdlp: YtDlp,
    private readonly sources: RecordingSourceRepository,
    private readonly templates: TemplatesService,
  ) {}

  async add(tx: PipelineTx, query: AddRecordingFromUrl): Promise<AddRecordingFromUrlResult> {
    const url = await this.checkedUrl(query.url);
    const quality = oneOf('quality', query.quality || 'best', QUALITIES);
    const formatPreference = oneOf('formatPreference', query.formatPreference || 'mp4', FORMAT_PREFERENCES);
    const method = query.method === DownloadMethod.HTTP ? 'HTTP' : 'YT_DLP';
    const displayName = query.displayName?.trim();
    let title = displayName || titleFromUrl(url);
    let sourceKey: string | null = null;
    if (method === 'YT_DLP') {
      // yt-dlp describes the source first, through the guarded proxy: a redirect to an internal
      // address, an unsupported page, a private or removed video is the caller's answer now,
      // not a failed stage later. Its id keys the recording, as a playlist's entries are keyed.
      const info = await this.ytdlp.probe(url.href);
      sourceKey = sourceKeyOf(info, url.href);
      if (!displayName && info.title) title = info.title.slice(0, 500);
      const existing = await this.sources.findByKey(tx.manager, query.userId, sourceKey);
      if (existing) return this.answer(tx, query.userId, existing.recordingId, false);
    }
    const created = await this.pipeline.registerImported(tx, {
      recordingId: query.recordingId,
      userId: query.userId,
      title,
      autoRun: query.autoRun ?? false,
      reservationId: query.reservationId,
      outputPresets: query.outputPresets,
      source: {
        method,
        url: url.href,
        sourceKey,
        platform: sourceKey ? sourceKey.split(':')[0] : 'direct',
        expectedSizeBytes: null,
        quality,
        formatPreference,
        metadata: { titleFromSource: !displayName, ...(query.templateId ? { templateId: query.templateId } : {}) },
      },
    });
    // Matched (or bound to the template given) in the transaction that created it.
    if (created) await this.templates.bindOnCreate(tx.manager, { recordingId: query.recordingId, userId: query.userId, templateId: query.templateId });
    return this.answer(tx, query.userId, query.recordingId, created);
  }

  private async answer(tx: PipelineTx, userId: string, recordingId: string, created: boolean): Promise<AddRecordingFromUrlResult> {
    const recording = await this.recordings.find(tx.manager, recordingId);
    if (!recording || recording.userId !== userId) {
      throw new LeapError('INGEST.RECORDING_ID_CONFLICT', `Recording ${recordingId} already exists with another owner`, { status: 409 });
    }
    return { recordingId: recording.id, status: recording.status, title: recording.title, created };
  }

  /** 400 INGEST.INVALID_OPTION naming the field and what it may be. */
  invalidOption(field: string, allowed: readonly string[]): never {
    throw oneOf(field, '', allowed as readonly string[]);
  }

  /** The URL, parsed and checked by the address guard; refusals are INGEST.URL_NOT_ALLOWED (422). */
  async checkedUrl(text: string): Promise<URL> {
    if (!text || text.length > MAX_URL_LENGTH) throw invalidUrl(`url must be an http or https URL of at most ${MAX_URL_LENGTH} characters`);
    let url: URL;
    try {
      url = new URL(text.trim());
    } catch {
      throw invalidUrl('url is not a URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidUrl('url must use http or https');
    if (url.username || url.password) throw invalidUrl('url must not carry a user name or password');
    try {
      await this.policy.checkUrl(url);
    } catch (error) {
      if (error instanceof AddressNotAllowedError) throw downloadErrors.urlNotAllowed(`The URL's host may not be fetched: ${error.reason}`, { host: error.host });
      throw error;
    }
    return url;
  }
}

function invalidUrl(message: string): LeapError {
  return new LeapError('INGEST.INVALID_URL', message, { status: 400, details: { field: 'url' } });
}

function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new LeapError('INGEST.INVALID_OPTION', `${field} must be one of ${allowed.join(', ')}`, { status: 400, details: { field } });
}

/** A readable name until the source tells its own: the last path segment, else the host. Never the query (it may hold a token). */
function titleFromUrl(url: URL): string {
  const last = decodeURIComponent(url.pathname.split('/').filter(Boolean).pop() ?? '').replace(/\.[a-z0-9]{2,5}$/i, '');
  return (last || url.hostname).slice(0, 200);
}
