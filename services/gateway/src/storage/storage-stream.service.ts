import { Inject, Injectable } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { OBJECT_STORE } from '@leap/platform';
import { checkUserKey, type ObjectStore } from '@leap/storage-client';
import { openRanged, type RangedDownload } from '../recordings/media/ranged-download';

export type ObjectDownload = RangedDownload;

export function objectNotFound(key: string): LeapError {
  return new LeapError('STORAGE.NOT_FOUND', `No object ${JSON.stringify(key)}`, { status: 404 });
}

/**
 * Streams an object by its key to its owner: a key under `users/<caller>/` or in the shared
 * library. The key is checked from its text before the store is asked (`STORAGE.UNSAFE_PATH`,
 * `STORAGE.FOREIGN_KEY`), so nothing outside the caller's folder is ever read.
 */
@Injectable()
export class StorageStreamService {
  constructor(@Inject(OBJECT_STORE) private readonly store: ObjectStore) {}

  async open(userId: string, key: string, range: string | undefined): Promise<ObjectDownload> {
    checkUserKey('key', userId, key);
    return openRanged(this.store, key, range, () => objectNotFound(key), 'object');
  }
}
