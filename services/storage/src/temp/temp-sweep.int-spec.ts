import { existsSync } from 'node:fs';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalObjectStore, storageKeys } from '@leap/storage-client';
import type { RunningService } from '@leap/platform';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { storageService } from '../service';
import { TempSweepService } from './temp-sweep.service';

const HOUR = 3_600_000;

/** Two storage replicas on one local store: a round removes the stale `.partial` files once, and nothing else. */
describe('the temp sweep of the store', () => {
  let world: ServiceWorld;
  let replicas: RunningService[];

  beforeAll(async () => {
    world = await createServiceWorld('storage_temp_sweep', {
      TEMP_SWEEP_INTERVAL: '0ms',
      ORPHAN_SCAN_POLL_INTERVAL: '0ms',
      ORPHAN_SCAN_INTERVAL: '0ms',
      PARTIAL_MAX_AGE: '6h',
      DATABASE_POOL_SIZE: '2',
    });
    replicas = [await world.start(storageService), await world.start(storageService)];
  }, 300_000);

  afterAll(() => world?.close());

  it('removes writes that stopped more than PARTIAL_MAX_AGE ago, on one replica, and leaves objects and fresh writes alone', async () => {
    const store = new LocalObjectStore(world.storageRoot);
    const object = storageKeys.source('u1', '0195f3a2-7c1e-7b3a-9d2f-1a2b3c4d5e6f', 'mp4');
    await store.put(object, Buffer.alloc(100));
    const folder = join(world.storageRoot, 'users', 'u1', 'recordings', '0195f3a2-7c1e-7b3a-9d2f-1a2b3c4d5e6f');
    const stale = join(folder, 'video.mp4.a1b2c3d4e5f6.partial');
    const staleChecksum = `${stale}.sha256`;
    const fresh = join(folder, 'audio.mp3.0a0b0c0d0e0f.partial');
    await writeFile(stale, Buffer.alloc(700));
    await writeFile(staleChecksum, 'ab');
    await writeFile(fresh, Buffer.alloc(50));
    const old = new Date(Date.now() - 7 * HOUR);
    await utimes(stale, old, old);
    await utimes(staleChecksum, old, old);
    await utimes(join(world.storageRoot, object), old, old);

    const rounds = await Promise.all(replicas.map((r) => r.app.get(TempSweepService).runOnce()));
    const removed = rounds.map((r) => (r.ran ? r.result.count : 0));
    expect(removed.reduce((a, b) => a + b, 0)).toBe(2);
    expect(rounds.find((r) => r.ran && r.result.count > 0)).toEqual({ ran: true, result: { count: 2, bytes: 702 } });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(staleChecksum)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(await store.exists(object)).toBe(true);
  });
});
