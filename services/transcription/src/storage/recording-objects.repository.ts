import { Inject, Injectable } from '@nestjs/common';
import type { ObjectKind, ObjectRef } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import { ObjectNotFoundError, parseRecordingKey, storageKeys, type ObjectStore } from '@leap/storage-client';

/**
 * The objects of one recording, read and written through the object store. A missing object is
 * `TRANSCRIPTION.INPUT_MISSING` (not retryable); any other store failure is
 * `TRANSCRIPTION.STORAGE_UNAVAILABLE` (retryable: the store may be back in a moment).
 */
@Injectable()
export class RecordingObjectsRepository {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  /** The keys this service writes for a recording; bad ids are `TRANSCRIPTION.INPUT_INVALID`. */
  keys(userId: string, recordingId: string): { master: string; topics: string; srt: string; vtt: string } {
    try {
      return {
        master: storageKeys.masterTranscript(userId, recordingId),
        topics: storageKeys.topics(userId, recordingId),
        srt: storageKeys.subtitles(userId, recordingId, 'srt'),
        vtt: storageKeys.subtitles(userId, recordingId, 'vtt'),
      };
    } catch (error) {
      throw new LeapError('TRANSCRIPTION.INPUT_INVALID', (error as Error).message, { retryable: false, status: 422 });
    }
  }

  /** Refuses an input key that is not an object of this user's recording. */
  assertOwned(key: string, userId: string, recordingId: string): void {
    const parsed = parseRecordingKey(key);
    if (!parsed || parsed.userId !== userId || parsed.recordingId !== recordingId || parsed.name.split('/').includes('..')) {
      throw new LeapError('TRANSCRIPTION.INPUT_INVALID', `${key} is not an object of recording ${recordingId}`, { retryable: false, status: 422 });
    }
  }

  /** A URL that reads the object for `seconds` without credentials, when the store can sign one (S3); undefined otherwise. */
  async signedUrl(key: string, seconds: number): Promise<string | undefined> {
    return this.store.presignedGetUrl ? this.store.presignedGetUrl(key, seconds) : undefined;
  }

  async download(key: string, path: string): Promise<void> {
    await this.guard(key, () => this.store.getToFile(key, path));
  }

  async read(key: string): Promise<Buffer> {
    return this.guard(key, () => this.store.getBuffer(key));
  }

  /** The object's bytes, or undefined when there is none. */
  async readOptional(key: string): Promise<Buffer | undefined> {
    try {
      return await this.read(key);
    } catch (error) {
      if (error instanceof LeapError && error.code === 'TRANSCRIPTION.INPUT_MISSING') return undefined;
      throw error;
    }
  }

  /** The reference events carry for an object already stored, or undefined when there is none. */
  async existing(key: string, contentType: string, kind: ObjectKind): Promise<ObjectRef | undefined> {
    const info = await this.guard(key, () => this.store.head(key));
    if (!info) return undefined;
    return { key, sizeBytes: String(info.sizeBytes), ...(info.checksumSha256 ? { checksumSha256: info.checksumSha256 } : {}), contentType, kind };
  }

  /** Writes (atomically, at a deterministic key) and returns the reference events carry. */
  async write(key: string, body: string, contentType: string, kind: ObjectKind): Promise<ObjectRef> {
    const stored = await this.guard(key, () => this.store.put(key, body, { contentType }));
    return { key, sizeBytes: String(stored.sizeBytes), checksumSha256: stored.checksumSha256, contentType, kind };
  }

  private async guard<T>(key: string, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof ObjectNotFoundError || (error as { code?: string }).code === 'STORAGE.NOT_FOUND') {
        throw new LeapError('TRANSCRIPTION.INPUT_MISSING', `No object at ${key}`, { retryable: false, status: 404 });
      }
      if (error instanceof LeapError) throw error;
      throw new LeapError('TRANSCRIPTION.STORAGE_UNAVAILABLE', `The object store failed on ${key}: ${(error as Error).message}`, {
        retryable: true,
        cause: error,
      });
    }
  }
}
