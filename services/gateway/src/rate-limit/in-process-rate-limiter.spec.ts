import { InProcessRateLimiter } from './in-process-rate-limiter';

describe('InProcessRateLimiter', () => {
  const minute = 60_000;
  let now: number;
  let limiter: InProcessRateLimiter;

  beforeEach(() => {
    now = Date.UTC(2026, 0, 5, 10, 0, 0); // the start of a minute window
    limiter = new InProcessRateLimiter(() => now);
  });

  it('allows the limit, then refuses, with truthful remaining and reset seconds', async () => {
    now += 15_000;
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.consume('user:a', 3, minute));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]).toEqual({ allowed: false, limit: 3, remaining: 0, resetSeconds: 45, windowSeconds: 60 });

    now += 44_500; // 0.5s before the window ends: the reset rounds up
    expect((await limiter.consume('user:a', 3, minute)).resetSeconds).toBe(1);
  });

  it('starts a fresh count when the window rolls over', async () => {
    for (let i = 0; i < 3; i++) await limiter.consume('user:a', 3, minute);
    expect((await limiter.consume('user:a', 3, minute)).allowed).toBe(false);
    now += minute;
    expect(await limiter.consume('user:a', 3, minute)).toEqual({ allowed: true, limit: 3, remaining: 2, resetSeconds: 60, windowSeconds: 60 });
  });

  it('counts each key on its own', async () => {
    for (let i = 0; i < 3; i++) await limiter.consume('user:a', 3, minute);
    expect((await limiter.consume('user:a', 3, minute)).allowed).toBe(false);
    expect((await limiter.consume('user:b', 3, minute)).remaining).toBe(2);
  });

  it('drops ended windows, so the map does not grow without bound', async () => {
    for (let i = 0; i < 100; i++) await limiter.consume(`ip:10.0.0.${i}`, 3, minute);
    expect(limiter.size).toBe(100);
    now += minute + 1;
    await limiter.consume('ip:10.0.1.1', 3, minute);
    expect(limiter.size).toBe(1);
  });
});
