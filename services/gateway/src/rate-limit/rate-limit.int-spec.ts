import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createServiceWorld, type ServiceWorld } from '@leap/service-testing';
import { eventually, startTcpProxy, type TcpProxy } from '@leap/testing';
import { expectProblem, gatewayTestEnv, httpClient, signUp as signUpAt, startGateway, type Account, type Reply } from '../testing';

const REDIS_URL = 'redis://127.0.0.1:6379';
const DAY = 24 * 60 * 60 * 1000;
const USER_LIMIT = 5;
const ANONYMOUS_LIMIT = 4;

/**
 * Replicas of the gateway share one budget per caller through Redis. Every instance here is a
 * replica: its own Nest application and HTTP port, on the one database and one Redis (the counters
 * of this file live under their own prefix). The window is a day long, so no window ends mid-test.
 */
describe('rate limits shared across gateway replicas', () => {
  const prefix = `leap:test:${randomUUID()}:`;
  let world: ServiceWorld;
  let redis: Redis;
  let proxy: TcpProxy;
  const base: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
  const clients = { a: httpClient(() => base.a), b: httpClient(() => base.b), c: httpClient(() => base.c) };

  /** A call to one replica from a client address (`X-Forwarded-For`, trusted one hop). */
  function call(instance: keyof typeof base, method: string, path: string, options: { token?: string; json?: unknown; from?: string } = {}): Promise<Reply> {
    const { from, ...rest } = options;
    return clients[instance].call(method, path, { ...rest, headers: { 'x-forwarded-for': from ?? '10.0.0.1' } });
  }

  /** Registers and signs in through instance A from an address of its own (so sign-ups cost no test's budget). */
  function signUp(name: string): Promise<Account> {
    const from = `10.1.0.${Math.floor(Math.random() * 250) + 1}`;
    return signUpAt(clients.a, `${name}@example.org`, { headers: { 'x-forwarded-for': from } });
  }

  function counterKey(key: string): string {
    const now = Date.now();
    return `${prefix}${key}:${now - (now % DAY)}`;
  }

  function expectRefused(reply: Reply, limit: number): void {
    expectProblem(reply, 429, 'RATE_LIMIT.EXCEEDED');
    expect(reply.body).toMatchObject({ limit, windowSeconds: 86_400 });
    const retryAfter = Number(reply.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(reply.headers.get('ratelimit-limit')).toBe(String(limit));
    expect(reply.headers.get('ratelimit-remaining')).toBe('0');
    expect(reply.headers.get('ratelimit-reset')).toBe(String(retryAfter));
    expect(reply.headers.get('ratelimit-policy')).toBe(`${limit};w=86400`);
  }

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // Instance C reaches Redis through a relay that starts cut: Redis is unreachable when it boots.
    proxy = await startTcpProxy({ targetHost: '127.0.0.1', targetPort: 6379 });
    await proxy.cut();
    world = await createServiceWorld(
      'gateway_rate_limit',
      gatewayTestEnv({
        AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
        RATE_LIMIT_WINDOW: '24h',
        RATE_LIMIT_USER: String(USER_LIMIT),
        RATE_LIMIT_ANONYMOUS: String(ANONYMOUS_LIMIT),
        TRUST_PROXY_HOPS: '1',
        REDIS_URL,
        RATE_LIMIT_REDIS_PREFIX: prefix,
      }),
    );
    for (const [instance, env] of [
      ['a', {}],
      ['b', {}],
      ['c', { REDIS_URL: proxy.url(REDIS_URL) }],
    ] as const) {
      base[instance] = (await startGateway(world, { env })).base;
    }
  }, 300_000);

  afterAll(async () => {
    await world?.close();
    await proxy?.close();
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  let alice: Account;
  let bob: Account;

  it('counts one user across both replicas and refuses the request past the limit', async () => {
    alice = await signUp('alice');
    bob = await signUp('bob');

    const remaining: string[] = [];
    for (let i = 0; i < USER_LIMIT; i++) {
      const reply = await call(i % 2 === 0 ? 'a' : 'b', 'GET', '/api/v1/recordings', { token: alice.token });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('ratelimit-limit')).toBe(String(USER_LIMIT));
      expect(reply.headers.get('ratelimit-policy')).toBe(`${USER_LIMIT};w=86400`);
      remaining.push(reply.headers.get('ratelimit-remaining')!);
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);

    expectRefused(await call('b', 'GET', '/api/v1/recordings', { token: alice.token }), USER_LIMIT);
    expectRefused(await call('a', 'GET', '/api/v1/recordings', { token: alice.token }), USER_LIMIT);
    expect(await redis.get(counterKey(`user:${alice.id}`))).toBe(String(USER_LIMIT + 2));

    const other = await call('a', 'GET', '/api/v1/recordings', { token: bob.token });
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-remaining')).toBe('4');
  });

  it('never limits the health endpoints', async () => {
    for (let i = 0; i < 3 * ANONYMOUS_LIMIT; i++) {
      for (const instance of ['a', 'b'] as const) {
        const live = await call(instance, 'GET', '/health/live', { from: '10.2.0.1' });
        expect(live.status).toBe(200);
        expect(live.headers.get('ratelimit-limit')).toBeNull();
        const ready = await call(instance, 'GET', '/health/ready', { from: '10.2.0.1' });
        expect(ready.status).toBe(200);
      }
    }
  });

  it('limits calls without a credential per client address, across replicas', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < ANONYMOUS_LIMIT; i++) statuses.push((await call(i % 2 === 0 ? 'a' : 'b', 'GET', '/api/v1/recordings', { from: '10.3.0.1' })).status);
    expect(statuses).toEqual(Array(ANONYMOUS_LIMIT).fill(401));
    expectRefused(await call('b', 'GET', '/api/v1/recordings', { from: '10.3.0.1' }), ANONYMOUS_LIMIT);

    const elsewhere = await call('a', 'GET', '/api/v1/recordings', { from: '10.3.0.2' });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('ratelimit-remaining')).toBe(String(ANONYMOUS_LIMIT - 1));

    // A stale token sent to a public route (a login with an old Authorization header) is one call, counted once.
    const stale = await call('a', 'POST', '/api/v1/auth/login', { from: '10.3.0.3', token: 'expired.jwt.token', json: { email: 'nobody@example.org', password: 'Wrong password 1' } });
    expectProblem(stale, 401, 'AUTH.INVALID_CREDENTIALS');
    expect(stale.headers.get('ratelimit-remaining')).toBe(String(ANONYMOUS_LIMIT - 1));
  });

  it('keeps serving with per-process limits while Redis is unreachable, and shares again once it is back', async () => {
    // Redis refused alice; replica C cannot ask it, so it counts alice on its own.
    for (let i = 0; i < USER_LIMIT; i++) {
      const reply = await call('c', 'GET', '/api/v1/recordings', { token: alice.token });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('ratelimit-remaining')).toBe(String(USER_LIMIT - 1 - i));
    }
    expectRefused(await call('c', 'GET', '/api/v1/recordings', { token: alice.token }), USER_LIMIT);

    const carol = await signUp('carol');
    const carolsCounter = counterKey(`user:${carol.id}`);
    expect((await call('c', 'GET', '/api/v1/recordings', { token: carol.token })).status).toBe(200);
    expect(await redis.exists(carolsCounter)).toBe(0);

    await proxy.restore();
    await eventually(
      async () => {
        await call('c', 'GET', '/api/v1/recordings', { token: carol.token });
        expect(await redis.exists(carolsCounter)).toBe(1);
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    const shared = Number(await redis.get(carolsCounter));
    const viaB = await call('b', 'GET', '/api/v1/recordings', { token: carol.token });
    expect(viaB.headers.get('ratelimit-remaining')).toBe(String(Math.max(0, USER_LIMIT - shared - 1)));

    await proxy.cut();
    const dave = await signUp('dave');
    const during = await call('c', 'GET', '/api/v1/recordings', { token: dave.token });
    expect(during.status).toBe(200);
    expect(during.headers.get('ratelimit-remaining')).toBe(String(USER_LIMIT - 1));
    expect(await redis.exists(counterKey(`user:${dave.id}`))).toBe(0);
  }, 300_000);
});
