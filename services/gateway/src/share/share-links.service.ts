import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { LeapError } from '@leap/messaging';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { registerProblemTitles } from '../common/problem-details';
import { isUuid } from '../common/validation';
import { recordingNotFound } from '../recordings/problems';
import { RecordingsRepository, type RecordingRow } from '../recordings/recordings.repository';
import { MediaService, type MediaType } from '../recordings/media/media.service';
import { MEDIA_URL_DEFAULT_SECONDS } from '../recordings/media/media-url.signer';
import { FILE_TYPES, RecordingFiles, type FileType } from '../recordings/files/recording-files.service';
import { RecordingTopicsService } from '../recordings/topics/topics.service';
import type { Download } from '../recordings/recordings.service';
import { ShareLinksRepository, SHARE_PARTS, type SharePart, type ShareLinkRow } from './share-links.repository';

registerProblemTitles({
  'SHARE.NOT_FOUND': 'There is no such share link',
  'SHARE.REVOKED': 'The share link was revoked',
  'SHARE.EXPIRED': 'The share link has expired',
  'SHARE.NOT_INCLUDED': 'The share link does not share this',
});

/** What each file type needs the link to share. */
const FILE_PART: Record<FileType, SharePart> = {
  srt: 'subtitles',
  vtt: 'subtitles',
  transcript_json: 'transcript',
  transcript_txt: 'transcript',
  transcript_words: 'transcript',
};

/** Which artifact a file type is made from, to list only the files there are. */
const FILE_ARTIFACT: Record<FileType, 'subtitlesSrt' | 'subtitlesVtt' | 'transcript'> = {
  srt: 'subtitlesSrt',
  vtt: 'subtitlesVtt',
  transcript_json: 'transcript',
  transcript_txt: 'transcript',
  transcript_words: 'transcript',
};

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

function shareNotFound(): LeapError {
  return new LeapError('SHARE.NOT_FOUND', 'There is no such share link', { status: 404 });
}

function notIncluded(part: SharePart): LeapError {
  return new LeapError('SHARE.NOT_INCLUDED', `This link does not share the ${part}`, { status: 404, details: { part } });
}

export type LinkState = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

function stateOf(link: ShareLinkRow, now = Date.now()): LinkState {
  if (link.revokedAt) return 'REVOKED';
  if (link.expiresAt && new Date(link.expiresAt).getTime() <= now) return 'EXPIRED';
  return 'ACTIVE';
}

/**
 * Public share links (R12): the owner creates links to a recording, each sharing some of its
 * parts until it expires or is revoked; anyone with the link reads the recording's title, the
 * parts shared (topics, questions), a media URL and the transcript and subtitle files, without an
 * account. The token is 32 random bytes: the link is the permission.
 */
@Injectable()
export class ShareLinksService {
  constructor(
    private readonly links: ShareLinksRepository,
    private readonly recordings: RecordingsRepository,
    private readonly media: MediaService,
    private readonly files: RecordingFiles,
    private readonly topics: RecordingTopicsService,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'PUBLIC_BASE_URL'>,
  ) {}

  // ------------------------------------------------------------------ the owner's

  async create(userId: string, recordingId: string, body: { include?: SharePart[]; expiresIn?: number | null }) {
    await this.owned(userId, recordingId);
    const include = body.include?.length ? SHARE_PARTS.filter((p) => body.include!.includes(p)) : [...SHARE_PARTS];
    const row = await this.links.insert({
      id: uuidv7(),
      token: randomBytes(32).toString('base64url'),
      userId,
      recordingId,
      include,
      expiresAt: body.expiresIn ? new Date(Date.now() + body.expiresIn * 1000) : null,
    });
    return this.view(row);
  }

  async list(userId: string, recordingId: string) {
    await this.owned(userId, recordingId);
    return { items: (await this.links.listOf(userId, recordingId)).map((l) => this.view(l)) };
  }

  /** Revokes every link of the recording still open. */
  async revokeAll(userId: string, recordingId: string) {
    await this.owned(userId, recordingId);
    return { revoked: await this.links.revoke(userId, recordingId) };
  }

  /** Revokes one link (a revoked one stays as it was). */
  async revoke(userId: string, recordingId: string, id: string) {
    await this.owned(userId, recordingId);
    if (!isUuid(id)) throw shareNotFound();
    await this.links.revoke(userId, recordingId, id);
    const row = await this.links.findOwned(userId, recordingId, id);
    if (!row) throw shareNotFound();
    return this.view(row);
  }

  // ------------------------------------------------------------------ anyone's with the link

  /** What the link shows: title and dates, topics and questions when shared, and where its media and files are. */
  async metadata(token: string) {
    const { link, row } = await this.open(token);
    const base = `/api/v1/share/${token}`;
    let topics: Record<string, unknown> | null = null;
    if (link.include.includes('topics') && row.artifacts.topics) {
      try {
        const all = await this.topics.get(row.userId, row.id);
        const active = all.versions.find((v) => v.version === all.activeVersion);
        if (active) topics = { summary: active.summary, mainTopics: active.mainTopics, topics: active.topics, questions: active.questions };
      } catch (error) {
        if (!(error instanceof LeapError && error.code === 'ARTIFACT.NOT_READY')) throw error;
      }
    }
    const files = (Object.keys(FILE_TYPES) as FileType[])
      .filter((type) => link.include.includes(FILE_PART[type]) && row.artifacts[FILE_ARTIFACT[type]])
      .map((type) => ({ type, url: `${base}/files/${type}` }));
    const media = link.include.includes('media')
      ? (['processed', 'original'] as const).filter((type) => row.artifacts[type === 'processed' ? 'video' : 'source']).map((type) => ({ type, url: `${base}/media?type=${type}` }))
      : [];
    return {
      title: row.title,
      status: row.status,
      createdAt: new Date(row.createdAt).toISOString(),
      include: link.include,
      expiresAt: link.expiresAt ? new Date(link.expiresAt).toISOString() : null,
      summary: topics?.summary ?? null,
      mainTopics: topics?.mainTopics ?? null,
      topics: topics?.topics ?? null,
      questions: topics?.questions ?? null,
      media,
      files,
    };
  }

  /** A media URL of the shared recording, living no longer than the link. */
  async mediaUrl(token: string, type: MediaType, expiresIn?: number) {
    const { link, row } = await this.open(token);
    if (!link.include.includes('media')) throw notIncluded('media');
    let seconds = Math.min(MEDIA_URL_DEFAULT_SECONDS, expiresIn ?? MEDIA_URL_DEFAULT_SECONDS);
    if (link.expiresAt) seconds = Math.min(seconds, Math.floor((new Date(link.expiresAt).getTime() - Date.now()) / 1000));
    return this.media.urlFor(row, type, Math.max(1, seconds));
  }

  async file(token: string, type: FileType): Promise<Download> {
    const { link, row } = await this.open(token);
    if (!link.include.includes(FILE_PART[type])) throw notIncluded(FILE_PART[type]);
    return this.files.file(row.userId, row.id, type);
  }

  /** The link and its recording: 404 for an unknown link or a recording gone, 410 for a revoked or expired link. */
  private async open(token: string): Promise<{ link: ShareLinkRow; row: RecordingRow }> {
    const link = TOKEN.test(token) ? await this.links.byToken(token) : undefined;
    if (!link) throw shareNotFound();
    const state = stateOf(link);
    if (state === 'REVOKED') throw new LeapError('SHARE.REVOKED', 'This share link was revoked by its owner', { status: 410 });
    if (state === 'EXPIRED') throw new LeapError('SHARE.EXPIRED', 'This share link has expired', { status: 410 });
    const row = await this.recordings.findOwned(link.userId, link.recordingId);
    if (!row) throw shareNotFound();
    return { link, row };
  }

  private async owned(userId: string, recordingId: string): Promise<RecordingRow> {
    const row = isUuid(recordingId) ? await this.recordings.findOwned(userId, recordingId) : undefined;
    if (!row) throw recordingNotFound(recordingId);
    return row;
  }

  private view(link: ShareLinkRow) {
    const path = `/api/v1/share/${link.token}`;
    return {
      id: link.id,
      recordingId: link.recordingId,
      token: link.token,
      url: `${this.config.PUBLIC_BASE_URL.replace(/\/$/, '')}${path}`,
      include: link.include,
      state: stateOf(link),
      expiresAt: link.expiresAt ? new Date(link.expiresAt).toISOString() : null,
      revokedAt: link.revokedAt ? new Date(link.revokedAt).toISOString() : null,
      createdAt: new Date(link.createdAt).toISOString(),
      links: { public: path, recording: `/api/v1/recordings/${link.recordingId}` },
    };
  }
}
