import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@leap/testing';
import { openServiceDatabase } from './migrate';
import { withTransaction } from './transaction';

describe('withTransaction', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'leap_test_persistence' });
    ds = await openServiceDatabase({ url: db.url, schema: 'svc_tx' });
  });

  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const outboxIds = async () =>
    (await ds.query('SELECT aggregate_id FROM outbox ORDER BY seq')).map((r: { aggregate_id: string }) => r.aggregate_id);

  const insert = (aggregateId: string) =>
    `INSERT INTO outbox (id, exchange, routing_key, aggregate_id, message) VALUES (gen_random_uuid(), 'x', 'k', '${aggregateId}', '{}')`;

  it('commits everything done through the manager and returns the result', async () => {
    const result = await withTransaction(ds, async (m) => {
      await m.query(insert('kept-1'));
      await m.query(insert('kept-2'));
      return 'done';
    });
    expect(result).toBe('done');
    expect(await outboxIds()).toEqual(['kept-1', 'kept-2']);
  });

  it('rolls everything back and rethrows when the function throws', async () => {
    await expect(
      withTransaction(ds, async (m) => {
        await m.query(insert('lost'));
        throw new Error('rule broken');
      }),
    ).rejects.toThrow('rule broken');
    expect(await outboxIds()).not.toContain('lost');
  });

  it('runs at the isolation level asked for', async () => {
    const level = await withTransaction(ds, (m) => m.query('SHOW transaction_isolation'), { isolationLevel: 'SERIALIZABLE' });
    expect(level).toEqual([{ transaction_isolation: 'serializable' }]);
  });
});
