import { LeapError } from '@leap/errors';
import type { SourceCredentialsRepository } from '../../credentials/source-credentials.repository';
import type { SourceAdapter, SourceItem, SourceToList, SyncWindow } from '../source-adapter';
import type { ZoomClient } from './zoom.client';

const DAY = 86_400_000;
/** Zoom lists at most a month per request. */
const WINDOW_DAYS = 30;
/** The reference's blank rule: shorter than 20 minutes or smaller than 25 MB. */
const BLANK_MINUTES = 20;
const BLANK_BYTES = 25 * 1024 * 1024;
/** The file the reference keeps, best first. */
const PREFERRED = ['shared_screen_with_speaker_view', 'shared_screen_with_speaker_view(cc)', 'shared_screen_with_gallery_view', 'speaker_view', 'gallery_view', 'active_speaker', 'shared_screen'];

export interface ZoomFile {
  id: string;
  file_type: string;
  file_size: number;
  recording_type: string;
  status?: string;
  download_url: string;
}

export interface ZoomMeeting {
  uuid: string;
  topic: string;
  start_time: string;
  duration: number;
  recording_files?: ZoomFile[];
}

/** The best MP4 as the reference chooses it: shared screen with the speaker first. */
export function bestFile(files: readonly ZoomFile[]): ZoomFile | undefined {
  const mp4 = files.filter((f) => f.file_type === 'MP4');
  return [...mp4].sort((a, b) => rank(a) - rank(b))[0];
}

function rank(file: ZoomFile): number {
  const i = PREFERRED.indexOf(file.recording_type);
  return i === -1 ? PREFERRED.length : i;
}

/**
 * What a sync (or a `recording.completed` webhook) makes of one meeting: its best file, blank
 * when short or small, pending while Zoom still processes it, keyed by the meeting's uuid.
 */
export function zoomItem(meeting: ZoomMeeting, files: readonly ZoomFile[], at: { pending: boolean; credentialId: string; sourceId: string }): SourceItem {
  const file = bestFile(files);
  const sizeBytes = file?.file_size ?? null;
  const blank = meeting.duration < BLANK_MINUTES || (sizeBytes !== null && sizeBytes < BLANK_BYTES);
  return {
    sourceKey: `zoom:${meeting.uuid}`,
    title: (meeting.topic || 'Zoom meeting').slice(0, 500),
    startedAt: new Date(meeting.start_time),
    sizeBytes,
    // Zoom reports minutes.
    durationSeconds: meeting.duration * 60,
    download: { method: 'HTTP', url: file?.download_url ?? '', credentialId: at.credentialId },
    ...(at.pending || !file ? { pending: true } : {}),
    ...(blank && !at.pending ? { skip: 'blank' as const } : {}),
    metadata: { zoomMeetingUuid: meeting.uuid, zoomFileId: file?.id ?? null, recordingType: file?.recording_type ?? null, sourceId: at.sourceId },
  };
}

/** Windows of at most 30 days covering `window` (`from`/`to` dates, inclusive). */
export function zoomWindows(window: SyncWindow): { from: string; to: string }[] {
  const out: { from: string; to: string }[] = [];
  for (let start = window.from.getTime(); start < window.until.getTime(); start += (WINDOW_DAYS + 1) * DAY) {
    const end = Math.min(start + WINDOW_DAYS * DAY, window.until.getTime() - DAY);
    out.push({ from: new Date(start).toISOString().slice(0, 10), to: new Date(end).toISOString().slice(0, 10) });
  }
  return out;
}

/**
 * A ZOOM source: every page of `GET /users/{id}/recordings` over windows of 30 days (per user of a
 * master account), the best file of each meeting, 3301 (still processing) held as pending, and
 * blank recordings marked. Downloads go through the DOWNLOAD job with the credential's token.
 */
export class ZoomAdapter implements SourceAdapter {
  readonly platform = 'ZOOM';

  constructor(
    private readonly zoom: ZoomClient,
    private readonly credentials: SourceCredentialsRepository,
  ) {}

  async list(source: SourceToList, window: SyncWindow, signal: AbortSignal): Promise<SourceItem[]> {
    if (!source.credentialId) throw new LeapError('SOURCE.INVALID', 'A ZOOM source needs a zoom credential', { retryable: false });
    const credential = await this.credentials.find(undefined, source.userId, source.credentialId);
    if (!credential) throw new LeapError('CREDENTIAL.NOT_FOUND', `Credential ${source.credentialId} is gone`, { retryable: false });
    const config = source.config as { userId?: string; isMasterAccount?: boolean; userEmails?: string[]; includeTrash?: boolean };
    const users = config.isMasterAccount ? (config.userEmails?.length ? config.userEmails : await this.users(credential, signal)) : [config.userId ?? 'me'];
    const items: SourceItem[] = [];
    for (const user of users) {
      for (const w of zoomWindows(window)) {
        let next = '';
        do {
          const query = new URLSearchParams({ from: w.from, to: w.to, page_size: '300', next_page_token: next, ...(config.includeTrash ? { trash: 'true' } : {}) });
          const page = await this.zoom.get<{ meetings?: ZoomMeeting[]; next_page_token?: string; code?: number; message?: string }>(credential, `/users/${encodeURIComponent(user)}/recordings?${query}`, signal);
          if (page.status >= 400) throw new LeapError('INGEST.ZOOM_REFUSED', `Zoom refused the recording list: ${page.body.message ?? page.status}`, { retryable: false });
          for (const meeting of page.body.meetings ?? []) items.push(await this.item(credential, source, meeting, signal));
          next = page.body.next_page_token ?? '';
        } while (next);
      }
    }
    await this.credentials.touch(credential.id);
    return items;
  }

  private async item(credential: Parameters<ZoomClient['get']>[0], source: SourceToList, meeting: ZoomMeeting, signal: AbortSignal): Promise<SourceItem> {
    // The meeting's own recordings tell whether Zoom is done with it (3301 while processing).
    const details = await this.zoom.get<ZoomMeeting & { code?: number }>(credential, `/meetings/${encodeURIComponent(encodeURIComponent(meeting.uuid))}/recordings`, signal);
    const pending = details.body.code === 3301 || (meeting.recording_files ?? []).some((f) => f.status === 'processing');
    const files = details.status < 400 ? (details.body.recording_files ?? meeting.recording_files ?? []) : (meeting.recording_files ?? []);
    return zoomItem(meeting, files, { pending, credentialId: credential.id, sourceId: source.id });
  }

  private async users(credential: Parameters<ZoomClient['get']>[0], signal: AbortSignal): Promise<string[]> {
    const ids: string[] = [];
    let next = '';
    do {
      const page = await this.zoom.get<{ users?: { id: string }[]; next_page_token?: string }>(credential, `/users?status=active&page_size=300&next_page_token=${next}`, signal);
      ids.push(...(page.body.users ?? []).map((u) => u.id));
      next = page.body.next_page_token ?? '';
    } while (next);
    return ids;
  }
}
