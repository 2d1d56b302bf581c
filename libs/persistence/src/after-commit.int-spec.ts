import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@leap/testing';
import { afterCommit } from './after-commit';
import { openServiceDatabase } from './migrate';

describe('afterCommit', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'leap_test_after_commit' });
    ds = await openServiceDatabase({ url: db.url, schema: 'svc_after', poolSize: 2 });
  });

  afterAll(async () => {
    await ds?.destroy().catch(() => undefined);
    await db.drop();
  });

  it('runs once the transaction has committed, outside it, once per key', async () => {
    const seen: Array<{ key: string; inTransaction: boolean; visible: number }> = [];
    await ds.query('CREATE TABLE IF NOT EXISTS svc_after.marks (name text)');
    await ds.transaction(async (manager) => {
      await manager.query(`INSERT INTO svc_after.marks VALUES ('a')`);
      for (const key of ['wake:x', 'wake:x', 'wake:y']) {
        afterCommit(manager, key, async (queryRunner) => {
          // Another connection sees the row: the commit happened before the callback.
          const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM svc_after.marks WHERE name = 'a'`);
          seen.push({ key, inTransaction: queryRunner.isTransactionActive, visible: n });
        });
      }
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([
      { key: 'wake:x', inTransaction: false, visible: 1 },
      { key: 'wake:y', inTransaction: false, visible: 1 },
    ]);
  });

  it('does not run for a rolled-back transaction or savepoint, and runs what a released savepoint registered', async () => {
    const ran: string[] = [];
    await expect(
      ds.transaction(async (manager) => {
        afterCommit(manager, 'outer', () => ran.push('outer'));
        throw new Error('give up');
      }),
    ).rejects.toThrow('give up');
    expect(ran).toEqual([]);

    await ds.transaction(async (manager) => {
      afterCommit(manager, 'kept', () => ran.push('kept'));
      await expect(
        manager.transaction(async (inner) => {
          afterCommit(inner, 'dropped', () => ran.push('dropped'));
          throw new Error('savepoint rolled back');
        }),
      ).rejects.toThrow('savepoint rolled back');
      await manager.transaction(async (inner) => {
        afterCommit(inner, 'released', () => ran.push('released'));
      });
      expect(ran).toEqual([]);
    });
    expect(ran.sort()).toEqual(['kept', 'released']);
  });

  it('keeps the commit a success when a callback fails, and refuses a manager without a transaction', async () => {
    await expect(
      ds.transaction(async (manager) => {
        afterCommit(manager, 'fails', () => Promise.reject(new Error('broken wake-up')));
        return 'committed';
      }),
    ).resolves.toBe('committed');
    expect(() => afterCommit(ds.manager, 'x', () => undefined)).toThrow(/open transaction/);
  });
});
