import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessagingLogger } from '@leap/messaging';
import { OBJECT_STORE, SERVICE_LOGGER } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';

/** The images the shared library starts with, shipped with the service. */
export const BUNDLED_THUMBNAILS = join(__dirname, '..', '..', 'assets', 'thumbnails');

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg' };
const contentTypeOf = (name: string) => CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

/**
 * The shared thumbnails library (`shared/thumbnails/`) and each user's copy of it
 * (`users/<userId>/thumbnails/`). At start the bundled images are put into the shared library
 * where it lacks them (an operator's own images there are kept); a new account gets a copy of
 * every shared image it does not have yet, so copying again after a redelivery changes nothing
 * and never overwrites an image the user replaced.
 */
@Injectable()
export class ThumbnailLibraryService implements OnApplicationBootstrap {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.seedShared();
    } catch (error) {
      // The library is a convenience; a store that is not reachable yet is reported by readiness.
      this.logger.warn('the shared thumbnails library could not be seeded', { error: (error as Error).message });
    }
  }

  /** Puts the bundled images into the shared library where it has none of that name; answers the names added. */
  async seedShared(from = BUNDLED_THUMBNAILS): Promise<string[]> {
    const added: string[] = [];
    for (const name of (await readdir(from)).sort()) {
      const key = storageKeys.sharedThumbnail(name);
      if (await this.store.exists(key)) continue;
      await this.store.put(key, await readFile(join(from, name)), { contentType: contentTypeOf(name) });
      added.push(name);
    }
    return added;
  }

  /** Copies every shared image the user has no image of that name for; answers the names copied. */
  async copyToUser(userId: string): Promise<string[]> {
    const shared = await this.store.list('shared/thumbnails/');
    const copied: string[] = [];
    for (const object of shared) {
      const name = object.key.slice('shared/thumbnails/'.length);
      let key: string;
      try {
        key = storageKeys.userThumbnail(userId, name);
      } catch {
        continue; // a name that cannot be a key (put there by hand): not offered to users
      }
      if (await this.store.exists(key)) continue;
      await this.store.put(key, await this.store.getBuffer(object.key), { contentType: object.contentType ?? contentTypeOf(name) });
      copied.push(name);
    }
    return copied;
  }
}
