import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import { MessageBus, type UntypedMessages } from '@leap/messaging';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually } from '@leap/testing';
import { storageService } from '../service';
import { BUNDLED_THUMBNAILS } from './thumbnail-library.service';

describe('storage: the shared thumbnails library and the copy of each new account', () => {
  let world: ServiceWorld;
  let store: LocalObjectStore;
  let bus: MessageBus<UntypedMessages>;
  let dataSource: DataSource;

  beforeAll(async () => {
    world = await createServiceWorld('storage_thumbnails');
    store = new LocalObjectStore(world.storageRoot);
    // An operator's own image in the shared library before the first start.
    await store.put(storageKeys.sharedThumbnail('lecture.png'), Buffer.from('the operator\'s lecture image'));
    await world.start(storageService);
    const peer = await world.start({ name: 'gateway', configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }), consumers: [], imports: [] });
    bus = peer.app.get(MessageBus);
    dataSource = peer.app.get(DataSource);
  });

  afterAll(() => world?.close());

  const registered = (userId: string) =>
    dataSource.transaction((manager) =>
      bus.publish(manager, 'gateway.user.registered.v1', { userId, email: `${userId}@example.org`, registeredAt: new Date().toISOString() }, { subject: userId, tenant: userId }),
    );

  it('seeds the shared library with the bundled images at start, keeping the operator\'s own', async () => {
    const keys = (await store.list('shared/thumbnails/')).map((o) => o.key);
    expect(keys).toEqual(['shared/thumbnails/lecture.png', 'shared/thumbnails/meeting.png', 'shared/thumbnails/webinar.png']);
    expect((await store.getBuffer('shared/thumbnails/lecture.png')).toString()).toBe('the operator\'s lecture image');
    expect((await store.getBuffer('shared/thumbnails/meeting.png')).equals(await readFile(join(BUNDLED_THUMBNAILS, 'meeting.png')))).toBe(true);
  });

  it('copies the shared library to a new account, and a second delivery overwrites nothing the user changed', async () => {
    const userId = randomUUID();
    await registered(userId);
    const prefix = `users/${userId}/thumbnails/`;
    await eventually(async () => expect((await store.list(prefix)).map((o) => o.key.slice(prefix.length))).toEqual(['lecture.png', 'meeting.png', 'webinar.png']));
    for (const object of await store.list(prefix)) {
      const shared = await store.head(`shared/thumbnails/${object.key.slice(prefix.length)}`);
      expect((await store.head(object.key))!.checksumSha256).toBe(shared!.checksumSha256);
    }

    // The user replaces one and deletes another; the event again (a replay) gives back only what is missing.
    await store.put(`${prefix}lecture.png`, Buffer.from('mine'));
    await store.delete(`${prefix}webinar.png`);
    await registered(userId);
    await eventually(async () => expect(await store.exists(`${prefix}webinar.png`)).toBe(true));
    expect((await store.getBuffer(`${prefix}lecture.png`)).toString()).toBe('mine');
  });
});
