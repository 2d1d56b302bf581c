import type { DataSource } from 'typeorm';
import { createTestDatabase, eventually, type TestDatabase } from '@leap/testing';
import { ExclusiveSchedule } from './exclusive-schedule';
import { openServiceDatabase } from './migrate';

const quiet = { warn: () => undefined };

/** Two "replicas" (two pools on one database) share a schedule's lock: a round runs on one of them at a time. */
describe('ExclusiveSchedule', () => {
  let db: TestDatabase;
  let replicas: DataSource[];

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'leap_test_exclusive_schedule' });
    replicas = [
      await openServiceDatabase({ url: db.url, schema: 'svc_schedule', poolSize: 2 }),
      await openServiceDatabase({ url: db.url, schema: 'svc_schedule', poolSize: 2 }),
    ];
  });

  afterAll(async () => {
    for (const ds of replicas ?? []) await ds.destroy().catch(() => undefined);
    await db?.drop();
  });

  it('skips a round on the replica that does not get the lock, and runs again once it is free', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    const [a, b] = replicas.map(
      (dataSource) =>
        new ExclusiveSchedule({
          name: 'spec.exclusive',
          dataSource,
          intervalMs: 0,
          logger: quiet,
          run: async () => {
            started += 1;
            await held;
            return 'done';
          },
        }),
    );
    const first = a!.runOnce();
    await eventually(() => expect(started).toBe(1));
    expect(await b!.runOnce()).toEqual({ ran: false });
    // Another name is another lock.
    const other = new ExclusiveSchedule({ name: 'spec.other', dataSource: replicas[1]!, intervalMs: 0, logger: quiet, run: async () => 'other' });
    expect(await other.runOnce()).toEqual({ ran: true, result: 'other' });
    release();
    expect(await first).toEqual({ ran: true, result: 'done' });
    expect(await b!.runOnce()).toEqual({ ran: true, result: 'done' });
    expect(started).toBe(2);
  });

  it('frees the lock when a round fails, and throws the error to the caller', async () => {
    const failing = new ExclusiveSchedule({
      name: 'spec.failing',
      dataSource: replicas[0]!,
      intervalMs: 0,
      logger: quiet,
      run: async () => {
        throw new Error('round failed');
      },
    });
    await expect(failing.runOnce()).rejects.toThrow('round failed');
    const next = new ExclusiveSchedule({ name: 'spec.failing', dataSource: replicas[1]!, intervalMs: 0, logger: quiet, run: async () => 'ran' });
    expect(await next.runOnce()).toEqual({ ran: true, result: 'ran' });
  });
});
