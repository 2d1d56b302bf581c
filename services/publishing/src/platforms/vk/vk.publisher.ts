import { Inject, Injectable } from '@nestjs/common';
import { ObjectKind, type ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import type { ObjectStore } from '@leap/storage-client';
import type { VkMetadata } from '../../presets/preset-metadata';
import type { RenderedMetadata } from '../../templating/render-metadata';
import { VkClient, type VkAccount, type VkVideoSave } from './vk.client';

export const VK_CLIENT = Symbol('VK_CLIENT');

export interface VkPublish {
  objects: ObjectRef[];
  metadata: VkMetadata;
  rendered: RenderedMetadata;
  account: VkAccount;
  signal?: AbortSignal;
  onProgress?(fraction: number, step: string): void;
}

export interface VkPublished {
  /** `<owner id>_<video id>`, as VK names a video (`video-123_456` for a group's). */
  externalId: string;
  url: string;
}

/** `video.save`'s parameters from a preset and its rendered metadata (a group's video when the preset names a group). */
export function videoSave(metadata: VkMetadata, rendered: RenderedMetadata): VkVideoSave {
  return {
    name: rendered.title,
    description: rendered.description,
    ...(metadata.groupId ? { groupId: metadata.groupId } : {}),
    ...(metadata.albumId ? { albumId: metadata.albumId } : {}),
    privacyView: metadata.privacyView,
    privacyComment: metadata.privacyComment,
    wallpost: metadata.wallpost,
    noComments: metadata.disableComments,
    repeat: metadata.repeat,
    compression: metadata.compression,
  };
}

/** `owner_video` back to its parts. */
export function parseVkVideoId(externalId: string): { ownerId: number; videoId: number } | undefined {
  const m = /^(-?\d+)_(\d+)$/.exec(externalId);
  return m ? { ownerId: Number(m[1]), videoId: Number(m[2]) } : undefined;
}

/**
 * Publishes a recording's video to VK: `video.save` with the rendered name and description, the
 * preset's group, album, privacy and comment settings, then the file POSTed to the upload URL it
 * answered, streamed from the store.
 */
@Injectable()
export class VkPublisher {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(VK_CLIENT) private readonly vk: VkClient,
  ) {}

  async publish(p: VkPublish): Promise<VkPublished> {
    const video = p.objects.find((o) => o.kind === ObjectKind.VIDEO) ?? p.objects.find((o) => o.kind === ObjectKind.SOURCE);
    if (!video) throw new LeapError('PUBLISHING.INVALID_REQUEST', 'Nothing to upload: the command carries no video', { retryable: false, status: 400 });
    p.onProgress?.(0.02, 'asking VK for an upload address');
    const saved = await this.vk.saveVideo(p.account, videoSave(p.metadata, p.rendered), p.signal);
    const name = video.key.slice(video.key.lastIndexOf('/') + 1);
    p.onProgress?.(0.05, `uploading ${name}`);
    const uploaded = await this.vk.uploadFile(
      saved.uploadUrl,
      { size: Number(video.sizeBytes), name, contentType: video.contentType || 'video/mp4', open: async () => (await this.store.get(video.key)) as AsyncIterable<Uint8Array> },
      p.signal,
    );
    const ownerId = Number.isFinite(uploaded.ownerId) ? uploaded.ownerId : saved.ownerId;
    const externalId = `${ownerId}_${uploaded.videoId}`;
    return { externalId, url: `https://vk.com/video${externalId}` };
  }

  async retract(account: VkAccount, externalId: string, signal?: AbortSignal): Promise<void> {
    const id = parseVkVideoId(externalId);
    if (!id) throw new LeapError('PUBLISHING.INVALID_REQUEST', `${externalId} is not a VK video id`, { retryable: false, status: 422 });
    await this.vk.deleteVideo(account, id.ownerId, id.videoId, signal);
  }
}
