import { Inject, Injectable } from '@nestjs/common';
import type { ObjectKind, ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import { ObjectNotFoundError, parseRecordingKey, storageKeys, type ObjectStore } from '@leap/storage-client';

/**
 * The media objects of one recording in the object store. A missing source is
 * `MEDIA.SOURCE_MISSING` (not retryable); any other store failure is `MEDIA.STORAGE_UNAVAILABLE`
 * (retryable: the store may be back in a moment).
 */
@Injectable()
export class RecordingMediaRepository {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  /** The deterministic keys this service writes; bad ids are `MEDIA.INVALID_COMMAND`. */
  keys(userId: string, recordingId: string, videoExtension: string): { video: string; audio: string } {
    try {
      return { video: storageKeys.video(userId, recordingId, videoExtension), audio: storageKeys.audio(userId, recordingId) };
    } catch (error) {
      throw new LeapError('MEDIA.INVALID_COMMAND', (error as Error).message, { retryable: false, status: 422 });
    }
  }

  /** Refuses a source key that is not an object of this user's recording. */
  assertOwned(key: string, userId: string, recordingId: string): void {
    const parsed = parseRecordingKey(key);
    if (!parsed || parsed.userId !== userId || parsed.recordingId !== recordingId || parsed.name.split('/').includes('..')) {
      throw new LeapError('MEDIA.INVALID_COMMAND', `${key} is not an object of recording ${recordingId}`, { retryable: false, status: 422 });
    }
  }

  async download(key: string, path: string): Promise<void> {
    await this.guard(key, () => this.store.getToFile(key, path));
  }

  /** Uploads a file to its deterministic key and returns the reference events carry. */
  async upload(key: string, path: string, contentType: string, kind: ObjectKind): Promise<ObjectRef> {
    const stored = await this.guard(key, () => this.store.putFile(key, path, { contentType }));
    return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind };
  }

  private async guard<T>(key: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof LeapError) throw error;
      if (error instanceof ObjectNotFoundError) {
        throw new LeapError('MEDIA.SOURCE_MISSING', `The source object ${key} does not exist`, { retryable: false, status: 404 });
      }
      throw new LeapError('MEDIA.STORAGE_UNAVAILABLE', `The object store failed on ${key}: ${(error as Error).message}`, {
        retryable: true,
        status: 503,
        cause: error,
      });
    }
  }
}
