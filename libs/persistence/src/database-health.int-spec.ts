import type { DataSource } from 'typeorm';
import { createTestDatabase, startTcpProxy, type TcpProxy, type TestDatabase } from '@leap/testing';
import { DatabaseHealth } from './database-health';
import { openServiceDatabase } from './migrate';

describe('DatabaseHealth', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;

  beforeAll(async () => {
    db = await createTestDatabase({ prefix: 'leap_test_persistence' });
    const target = new URL(db.url);
    proxy = await startTcpProxy({ targetHost: target.hostname, targetPort: Number(target.port || 5432) });
  });

  afterAll(async () => {
    await proxy.close();
    await db.drop();
  });

  async function withDataSource(poolSize: number, fn: (ds: DataSource) => Promise<void>): Promise<void> {
    const ds = await openServiceDatabase({ url: proxy.url(db.url), schema: 'svc_health', poolSize });
    try {
      await fn(ds);
    } finally {
      if (ds.isInitialized) await ds.destroy().catch(() => undefined);
    }
  }

  it('is healthy while the database answers', async () => {
    await withDataSource(2, async (ds) => {
      const result = await new DatabaseHealth(ds).check();
      expect(result).toEqual({ healthy: true, latencyMs: expect.any(Number) });
    });
  });

  it('reports unhealthy within its timeout when no connection is free', async () => {
    await withDataSource(1, async (ds) => {
      const busy = ds.createQueryRunner();
      await busy.connect();
      try {
        const started = Date.now();
        const result = await new DatabaseHealth(ds, { timeoutMs: 300 }).check();
        expect(result).toEqual({ healthy: false, latencyMs: expect.any(Number), error: 'no answer within 300 ms' });
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await busy.release();
      }
    });
  });

  it('reports unhealthy when the database cannot be reached, and healthy again once it can', async () => {
    await withDataSource(2, async (ds) => {
      const health = new DatabaseHealth(ds, { timeoutMs: 1000 });
      await proxy.cut();
      try {
        const down = await health.check();
        expect(down.healthy).toBe(false);
        expect(down.error).toEqual(expect.any(String));
        expect(down.error!.length).toBeGreaterThan(0);
      } finally {
        await proxy.restore();
      }
      expect(await health.isHealthy()).toBe(true);
    });
  });

  it('reports unhealthy once the DataSource is closed', async () => {
    await withDataSource(1, async (ds) => {
      await ds.destroy();
      expect(await new DatabaseHealth(ds).check()).toEqual({ healthy: false, latencyMs: 0, error: 'database connection is not open' });
    });
  });
});
