import { Inject, Injectable } from '@nestjs/common';
import { ObjectKind, type ObjectRef, type SubtitleTranslation } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE, SERVICE_CONFIG } from '@leap/platform';
import type { ObjectStore } from '@leap/storage-client';
import type { PublishingConfig } from '../../config/config.schema';
import type { YoutubeMetadata } from '../../presets/preset-metadata';
import type { RenderedMetadata } from '../../templating/render-metadata';
import { YoutubeClient, type GoogleTokens, type YoutubeVideoResource } from './youtube.client';

export const YOUTUBE_CLIENT = Symbol('YOUTUBE_CLIENT');

export interface YoutubePublish {
  objects: ObjectRef[];
  /** Subtitles in other languages: one more caption track each. */
  translations?: SubtitleTranslation[];
  metadata: YoutubeMetadata;
  rendered: RenderedMetadata;
  /** The captions' language when the preset names none (the transcript's). */
  language?: string;
  tokens: GoogleTokens;
  onRefreshed(tokens: GoogleTokens): Promise<void>;
  /** The account's gate around each API call. */
  throttle?<T>(call: () => Promise<T>): Promise<T>;
  signal?: AbortSignal;
  onProgress?(fraction: number, step: string): void;
}

export interface YoutubePublished {
  videoId: string;
  url: string;
  captions: number;
  playlistId?: string;
}

/** The video resource a preset and its rendered metadata make; a scheduled publish is uploaded private. */
export function videoResource(metadata: YoutubeMetadata, rendered: RenderedMetadata): YoutubeVideoResource {
  return {
    snippet: {
      title: rendered.title,
      description: rendered.description,
      ...(metadata.tags?.length ? { tags: metadata.tags } : {}),
      categoryId: metadata.categoryId,
      ...(metadata.defaultLanguage ? { defaultLanguage: metadata.defaultLanguage, defaultAudioLanguage: metadata.defaultLanguage } : {}),
    },
    status: {
      privacyStatus: metadata.publishAt ? 'private' : metadata.privacy,
      ...(metadata.publishAt ? { publishAt: new Date(metadata.publishAt).toISOString() } : {}),
      selfDeclaredMadeForKids: metadata.madeForKids,
      embeddable: metadata.embeddable,
      license: metadata.license,
    },
  };
}

/**
 * Publishes a recording's video to YouTube: the resumable upload read from the store chunk by
 * chunk (a ranged read per chunk, so no temp file and constant memory), then the playlist and
 * the captions from our subtitles (VTT, else SRT): one track in the recording's language and one
 * per translated language.
 */
@Injectable()
export class YoutubePublisher {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(YOUTUBE_CLIENT) private readonly youtube: YoutubeClient,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<PublishingConfig, 'YOUTUBE_CHUNK_SIZE'>,
  ) {}

  async publish(p: YoutubePublish): Promise<YoutubePublished> {
    const video = p.objects.find((o) => o.kind === ObjectKind.VIDEO) ?? p.objects.find((o) => o.kind === ObjectKind.SOURCE);
    if (!video) throw new LeapError('PUBLISHING.INVALID_REQUEST', 'Nothing to upload: the command carries no video', { retryable: false, status: 400 });
    const size = Number(video.sizeBytes);
    const account = { tokens: p.tokens, onRefreshed: p.onRefreshed, ...(p.throttle ? { throttle: p.throttle } : {}) };
    const name = video.key.slice(video.key.lastIndexOf('/') + 1);
    const { videoId } = await this.youtube.upload({
      account,
      resource: videoResource(p.metadata, p.rendered),
      notifySubscribers: p.metadata.notifySubscribers,
      size,
      contentType: video.contentType || 'video/*',
      chunkSize: this.config.YOUTUBE_CHUNK_SIZE,
      readChunk: (start, end) => this.readRange(video.key, start, end),
      signal: p.signal,
      onProgress: (bytes) => p.onProgress?.(size > 0 ? (bytes / size) * 0.95 : 0, `uploading ${name} (${bytes} of ${size} bytes)`),
    });
    if (p.metadata.playlistId) {
      p.onProgress?.(0.96, 'adding to the playlist');
      await this.youtube.addToPlaylist(account, p.metadata.playlistId, videoId, p.signal);
    }
    let captions = 0;
    const subtitles = p.objects.find((o) => o.kind === ObjectKind.SUBTITLES_VTT) ?? p.objects.find((o) => o.kind === ObjectKind.SUBTITLES_SRT);
    if (p.metadata.uploadCaptions) {
      const language = p.metadata.defaultLanguage ?? p.language ?? 'ru';
      const tracks = [
        ...(subtitles ? [{ language, file: subtitles, vtt: subtitles.kind === ObjectKind.SUBTITLES_VTT }] : []),
        // A translation into the recording's own language would be a second track of the same language: YouTube refuses it.
        ...(p.translations ?? []).filter((t) => t.language !== language && (t.vtt || t.srt)).map((t) => ({ language: t.language, file: (t.vtt ?? t.srt)!, vtt: !!t.vtt })),
      ];
      for (const { language: lang, file, vtt } of tracks) {
        p.onProgress?.(0.98, `uploading captions (${lang})`);
        await this.youtube.uploadCaption(
          account,
          videoId,
          { language: lang, name: lang, body: await this.store.getBuffer(file.key), contentType: vtt ? 'text/vtt' : 'application/x-subrip' },
          p.signal,
        );
        captions += 1;
      }
    }
    return { videoId, url: `https://www.youtube.com/watch?v=${videoId}`, captions, ...(p.metadata.playlistId ? { playlistId: p.metadata.playlistId } : {}) };
  }

  /** Removes a published video from YouTube. */
  async retract(account: { tokens: GoogleTokens; onRefreshed(tokens: GoogleTokens): Promise<void>; throttle?<T>(call: () => Promise<T>): Promise<T> }, videoId: string, signal?: AbortSignal): Promise<void> {
    await this.youtube.deleteVideo(account, videoId, signal);
  }

  private async readRange(key: string, start: number, end: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.store.get(key, { range: { start, end } })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
