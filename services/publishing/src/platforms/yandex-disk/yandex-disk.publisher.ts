import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { ObjectKind, type ObjectRef, type SubtitleTranslation } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import type { ObjectStore } from '@leap/storage-client';
import { YandexDiskClient, YandexDiskError, type DiskResource, type UploadBody, type YandexAccount, type YandexTokens } from '@leap/yandex-disk';
import type { SidecarKind, YandexDiskMetadata } from '../../presets/preset-metadata';
import type { RenderedMetadata } from '../../templating/render-metadata';
import { CredentialRevokedError, platformError } from '../platform-errors';

export const YANDEX_DISK_CLIENT = Symbol('YANDEX_DISK_CLIENT');

export interface YandexDiskPublish {
  objects: ObjectRef[];
  /** Subtitles in other languages: with the SRT or VTT sidecar on, each goes beside it as `<name>.<lang>.srt` / `.vtt`. */
  translations?: SubtitleTranslation[];
  metadata: YandexDiskMetadata;
  rendered: RenderedMetadata;
  tokens: YandexTokens;
  onRefreshed(tokens: YandexTokens): Promise<void>;
  signal?: AbortSignal;
  onProgress?(fraction: number, step: string): void;
}

export interface YandexDiskPublished {
  /** `disk:/Video/Uploads/Lecture 3.mp4` */
  path: string;
  /** The public link, when the preset publishes. */
  publicUrl?: string;
  /** The file was already there with the same bytes (an earlier attempt's upload): nothing was sent. */
  alreadyThere: boolean;
  /** The sidecars put next to it (their disk paths). */
  sidecars: string[];
}

/**
 * Publishes a recording's video to Yandex Disk: the folder the preset's template names (made as
 * needed), the file name its template names with the video's extension, the bytes streamed from
 * the store in one PUT to Yandex's upload href (constant memory whatever the size), the sidecars
 * the preset enables (subtitles, the transcript as text, the rendered description), then a public
 * link to the video when the preset asks for one.
 *
 * Overwrite rules (the video's and each sidecar's): with `overwrite` the file is replaced; without it a file already at the path
 * fails the target with `PUBLISHING.TARGET_EXISTS`, unless it holds exactly our bytes (its SHA-256
 * is the video's): that is this target's own upload from an attempt that did not get to record
 * it, and the job goes on from there instead of failing.
 */
@Injectable()
export class YandexDiskPublisher {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(YANDEX_DISK_CLIENT) private readonly disk: YandexDiskClient,
  ) {}

  async publish(p: YandexDiskPublish): Promise<YandexDiskPublished> {
    const video = p.objects.find((o) => o.kind === ObjectKind.VIDEO) ?? p.objects.find((o) => o.kind === ObjectKind.SOURCE);
    if (!video) throw new LeapError('PUBLISHING.INVALID_REQUEST', 'Nothing to upload: the command carries no video', { retryable: false, status: 400 });
    const account: YandexAccount = { tokens: p.tokens, onRefreshed: p.onRefreshed };
    const extension = /\.([a-z0-9]{1,8})$/i.exec(video.key)?.[1]?.toLowerCase() ?? 'mp4';
    const name = `${p.rendered.filename ?? 'video'}.${extension}`;
    const size = Number(video.sizeBytes);
    try {
      const uploaded = await this.put(
        account,
        p.rendered.folderPath ?? '/',
        name,
        { open: () => this.store.get(video.key), size, contentType: video.contentType || 'video/mp4', sha256: video.checksumSha256 },
        p,
        (sent) => p.onProgress?.(size > 0 ? 0.02 + (sent / size) * 0.9 : 0.5, `uploading ${name} (${sent} of ${size} bytes)`),
      );
      const sidecars: string[] = [];
      for (const [kind, where] of Object.entries(p.rendered.sidecars ?? {}) as Array<[SidecarKind, { folderPath: string; filename: string }]>) {
        const content = await this.sidecarContent(kind, p);
        if (content === undefined) continue;
        p.onProgress?.(0.93, `uploading ${where.filename}`);
        const body = Buffer.from(content, 'utf8');
        const sha256 = createHash('sha256').update(body).digest('hex');
        const placed = await this.put(account, where.folderPath, where.filename, { open: () => Readable.from([body]), size: body.length, contentType: SIDECAR_TYPES[kind], sha256 }, p);
        sidecars.push(placed.path);
      }
      for (const file of translatedSidecars(p)) {
        p.onProgress?.(0.95, `uploading ${file.filename}`);
        const body = await this.store.getBuffer(file.object.key);
        const sha256 = createHash('sha256').update(body).digest('hex');
        const placed = await this.put(account, file.folderPath, file.filename, { open: () => Readable.from([body]), size: body.length, contentType: SIDECAR_TYPES[file.kind], sha256 }, p);
        sidecars.push(placed.path);
      }
      if (!p.metadata.publish) return { ...uploaded, sidecars };
      p.onProgress?.(0.97, 'publishing the link');
      const { publicUrl } = await this.disk.publish(account, uploaded.path, p.signal);
      return { ...uploaded, publicUrl, sidecars };
    } catch (error) {
      throw asPublishingError(error);
    }
  }

  /**
   * Retracts an upload: the public link is removed, then the file and the given sidecars go to the
   * disk's trash (the owner can still restore them there). Files already gone count as retracted.
   * Answers the paths that were removed.
   */
  async retract(r: { tokens: YandexTokens; onRefreshed(tokens: YandexTokens): Promise<void>; path: string; sidecars?: string[]; signal?: AbortSignal }): Promise<string[]> {
    const account: YandexAccount = { tokens: r.tokens, onRefreshed: r.onRefreshed };
    try {
      try {
        await this.disk.unpublish(account, r.path, r.signal);
      } catch (error) {
        if (!(error instanceof YandexDiskError && error.failure === 'not_found')) throw error;
      }
      const removed: string[] = [];
      for (const path of [r.path, ...(r.sidecars ?? [])]) if (await this.disk.remove(account, path, { signal: r.signal })) removed.push(path);
      return removed;
    } catch (error) {
      throw asPublishingError(error);
    }
  }

  /** Puts one file into a folder (made as needed), under the preset's overwrite rule. */
  private async put(
    account: YandexAccount,
    folder: string,
    name: string,
    body: UploadBody & { sha256?: string },
    p: YandexDiskPublish,
    onBytes?: (sent: number) => void,
  ): Promise<{ path: string; alreadyThere: boolean }> {
    const path = `disk:${folder === '/' ? '' : folder}/${name}`;
    await this.disk.mkdirp(account, folder, p.signal);
    try {
      await this.disk.upload(account, path, body, { overwrite: p.metadata.overwrite, signal: p.signal, onBytes });
      return { path, alreadyThere: false };
    } catch (error) {
      if (!(error instanceof YandexDiskError && error.failure === 'exists')) throw error;
      const existing = await this.disk.resource(account, path, p.signal);
      if (!sameBytes(existing, body.size, body.sha256)) {
        throw new LeapError('PUBLISHING.TARGET_EXISTS', `${path} is already on the Yandex Disk; the preset does not overwrite (set overwrite, or change the file name template)`, {
          retryable: false,
          status: 409,
        });
      }
      return { path, alreadyThere: true };
    }
  }

  /** A sidecar's text, or undefined when the recording has nothing for it (no subtitles yet, say). */
  private async sidecarContent(kind: SidecarKind, p: YandexDiskPublish): Promise<string | undefined> {
    if (kind === 'descriptionTxt') return `${p.rendered.title}\n\n${p.rendered.description}\n`;
    const object = p.objects.find((o) => o.kind === SIDECAR_OBJECTS[kind]);
    if (!object) return undefined;
    const text = (await this.store.getBuffer(object.key)).toString('utf8');
    return kind === 'transcription' ? transcriptText(text) : text;
  }
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

/**
 * The translated subtitles an upload puts beside the video: with the SRT (VTT) sidecar on, each
 * language's SRT (VTT) in that sidecar's folder, named after it with the language before the
 * extension (`Lecture 3.de.srt`).
 */
export function translatedSidecars(p: Pick<YandexDiskPublish, 'rendered' | 'translations'>): Array<{ kind: 'subtitlesSrt' | 'subtitlesVtt'; folderPath: string; filename: string; object: ObjectRef }> {
  const files: Array<{ kind: 'subtitlesSrt' | 'subtitlesVtt'; folderPath: string; filename: string; object: ObjectRef }> = [];
  for (const kind of ['subtitlesSrt', 'subtitlesVtt'] as const) {
    const where = p.rendered.sidecars?.[kind];
    if (!where) continue;
    const extension = kind === 'subtitlesSrt' ? '.srt' : '.vtt';
    const base = where.filename.endsWith(extension) ? where.filename.slice(0, -extension.length) : where.filename;
    for (const t of p.translations ?? []) {
      const object = kind === 'subtitlesSrt' ? t.srt : t.vtt;
      if (object && LANGUAGE.test(t.language)) files.push({ kind, folderPath: where.folderPath, filename: `${base}.${t.language}${extension}`, object });
    }
  }
  return files;
}

const SIDECAR_OBJECTS: Record<Exclude<SidecarKind, 'descriptionTxt'>, ObjectKind> = {
  subtitlesSrt: ObjectKind.SUBTITLES_SRT,
  subtitlesVtt: ObjectKind.SUBTITLES_VTT,
  transcription: ObjectKind.TRANSCRIPT,
};
const SIDECAR_TYPES: Record<SidecarKind, string> = {
  subtitlesSrt: 'application/x-subrip',
  subtitlesVtt: 'text/vtt',
  transcription: 'text/plain; charset=utf-8',
  descriptionTxt: 'text/plain; charset=utf-8',
};

/** The master transcript as text: a line per segment with its start time (`[1:05] …`). */
export function transcriptText(masterJson: string): string {
  const master = JSON.parse(masterJson) as { segments?: Array<{ start?: number; text?: string }> };
  const clock = (seconds: number) => {
    const s = Math.max(0, Math.floor(seconds));
    const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
    return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}` : `${m}:${String(r).padStart(2, '0')}`;
  };
  return (master.segments ?? []).map((seg) => `[${clock(seg.start ?? 0)}] ${(seg.text ?? '').trim()}`).join('\n') + '\n';
}

function sameBytes(existing: DiskResource, size: number, sha256: string | undefined): boolean {
  return existing.type === 'file' && existing.size === size && !!sha256 && existing.sha256?.toLowerCase() === sha256.toLowerCase();
}

/** The client's failure in publishing's terms: a revoked account marks its credential, a 429 or a 5xx is tried again. */
export function asPublishingError(error: unknown): unknown {
  if (!(error instanceof YandexDiskError)) return error;
  const retryAfter = error.details?.retryAfterSeconds as number | undefined;
  switch (error.failure) {
    case 'revoked':
      return new CredentialRevokedError('Yandex Disk', error.message);
    case 'rate_limited':
      return platformError('Yandex Disk', 429, error.reason || 'TooManyRequestsError', error.message, retryAfter);
    case 'unavailable':
      return platformError('Yandex Disk', 503, error.reason || 'unavailable', error.message, retryAfter);
    default:
      // A full disk (507) will not clear by itself within the job's retries: a refusal, like a 4xx.
      return platformError('Yandex Disk', error.failure === 'no_space' ? 422 : error.status, error.reason || error.failure, error.message);
  }
}
