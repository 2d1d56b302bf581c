import { randomUUID } from 'node:crypto';
import { createPlatformDatabase, createTestVhost, freePort, type RunningProcess, type TestDatabase, type TestVhost } from '@leap/testing';
import { startServiceProcess } from './support';

/** Two gateway processes behind one address, as two replicas in Kubernetes: one rate limit for both. */
describe('gateway replicas', () => {
  let db: TestDatabase;
  let vhost: TestVhost;
  const replicas: { process: RunningProcess; base: string }[] = [];

  beforeAll(async () => {
    db = await createPlatformDatabase('leap_test_e2e');
    vhost = await createTestVhost('leap_test_e2e');
    const prefix = `leap:test:${randomUUID()}:`;
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const process = await startServiceProcess('gateway', {
        PORT: String(port),
        DATABASE_URL: db.url,
        RABBITMQ_URL: vhost.url,
        JWT_SECRET: 'test-secret-that-is-long-enough-for-tests',
        REDIS_URL: 'redis://127.0.0.1:6379',
        RATE_LIMIT_REDIS_PREFIX: prefix,
        RATE_LIMIT_USER: '6',
        RATE_LIMIT_WINDOW: '10m',
        AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
        PASSWORD_HASH_MEMORY_KIB: '1024',
        PASSWORD_HASH_PASSES: '1',
      });
      replicas.push({ process, base: `http://127.0.0.1:${port}/api/v1` });
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.process.stop('SIGTERM', 15_000).catch(() => undefined)));
    await vhost?.drop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
  });

  async function post(base: string, path: string, body: unknown): Promise<Response> {
    return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  it('counts one user against one budget whichever replica answers', async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const credentials = { email: 'replicas@example.org', password: 'Correct horse 1' };
    expect((await post(a.base, '/auth/register', credentials)).status).toBe(201);
    const login = await post(b.base, '/auth/login', credentials);
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };

    const remaining: string[] = [];
    for (let i = 0; i < 6; i++) {
      const replica = i % 2 === 0 ? a : b;
      const res = await fetch(`${replica.base}/recordings`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('6');
      remaining.push(res.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);

    for (const replica of [a, b]) {
      const refused = await fetch(`${replica.base}/recordings`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await refused.json()).toMatchObject({ status: 429, code: 'RATE_LIMIT.EXCEEDED' });
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.headers.get('ratelimit-remaining')).toBe('0');
    }

    // Health endpoints stay outside every budget.
    for (const replica of [a, b]) {
      const health = await fetch(`${replica.base.replace('/api/v1', '')}/health/ready`);
      expect(health.status).toBe(200);
      expect(health.headers.get('ratelimit-limit')).toBeNull();
    }
  }, 300_000);
});
