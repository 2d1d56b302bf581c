import { Client } from 'pg';
import { createPlatformDatabase, createTestVhost, eventually, freePort, startTcpProxy, type RunningProcess, type TestDatabase, type TestVhost } from '@leap/testing';
import { getJson, SERVICES, startServiceProcess } from './support';

/** The seven services as separate processes on the machine's real PostgreSQL and RabbitMQ. */
describe('distributed mode', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  const processes: RunningProcess[] = [];
  const ports = new Map<string, number>();

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_e2e');
    vhost = await createTestVhost('leap_test_e2e');
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGTERM', 15_000).catch(() => undefined)));
    await vhost?.drop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  it('starts every service as its own process, each with its own schema, answering liveness and readiness', async () => {
    const started = await Promise.all(
      SERVICES.map(async (name) => {
        const port = await freePort();
        ports.set(name, port);
        return startServiceProcess(name, {
          PORT: String(port),
          DATABASE_URL: db.url,
          RABBITMQ_URL: vhost.url,
          JWT_SECRET: 'test-secret-that-is-long-enough-for-tests',
        });
      }),
    );
    processes.push(...started);
    for (const name of SERVICES) {
      const live = await getJson(`http://127.0.0.1:${ports.get(name)}/health/live`);
      expect(live).toEqual({ status: 200, body: { status: 'ok', service: name } });
      const ready = await getJson(`http://127.0.0.1:${ports.get(name)}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ [`${name}.database`]: { status: 'up' }, [`${name}.broker`]: { status: 'up' }, [`${name}.storage`]: { status: 'up' } });
    }
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT table_schema, count(*)::int AS n FROM information_schema.tables
          WHERE table_name IN ('outbox', 'inbox', 'migrations') GROUP BY table_schema ORDER BY table_schema`,
      );
      expect(rows).toEqual(
        ['gateway', 'ingest', 'media_processing', 'publishing', 'quota', 'storage', 'transcription'].map((s) => ({ table_schema: s, n: 3 })),
      );
    } finally {
      await client.end();
    }
  }, 300_000);

  it('reports not ready while its database is unreachable, and ready again when it returns', async () => {
    const proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: Number(new URL(db.url).port || 5432) });
    const port = await freePort();
    const quota = await startServiceProcess('quota', {
      PORT: String(port),
      DATABASE_URL: proxy.url(db.url),
      RABBITMQ_URL: vhost.url,
    });
    processes.push(quota);
    await proxy.cut();
    const down = await eventually(async () => {
      const r = await getJson(`http://127.0.0.1:${port}/health/ready`);
      expect(r.status).toBe(503);
      return r;
    }, { timeoutMs: 15_000 }).catch((error: Error) => {
      throw new Error(`${error.message}\n--- quota output ---\n${quota.output().slice(-4000)}`);
    });
    expect(down.body.checks['quota.database'].status).toBe('down');
    expect(down.body.checks['quota.broker']).toEqual({ status: 'up' });
    expect((await getJson(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
    await proxy.restore();
    await eventually(async () => expect((await getJson(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200), { timeoutMs: 20_000 });
    await proxy.close();
  }, 300_000);

  it('refuses to start with a bad configuration, listing every bad key', async () => {
    const failure = await startServiceProcess(
      'gateway',
      { PORT: 'not-a-port', DATABASE_URL: '', RABBITMQ_URL: vhost.url, NODE_ENV: 'production', JWT_SECRET: 'short' },
      20_000,
    ).then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toBeDefined();
    for (const key of ['PORT', 'DATABASE_URL', 'JWT_SECRET']) expect(failure).toContain(key);
  }, 300_000);
});
