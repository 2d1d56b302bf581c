import { createHash, createHmac } from 'node:crypto';
import { TokenService } from './token.service';

const config = { JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256', JWT_ACCESS_TTL: 15 * 60_000, JWT_REFRESH_TTL: 30 * 24 * 3600_000 };
const subject = { userId: '0194a5b2-0000-7000-8000-000000000001', email: 'alice@example.org', sessionId: '0194a5b2-0000-7000-8000-0000000000aa', tokenVersion: 3 };
const now = Date.parse('2026-01-10T10:00:00Z');

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
}

describe('access tokens', () => {
  const tokens = new TokenService(config);

  it('issues an HS256 JWT carrying user, session and token version that verifies until it expires', () => {
    const issued = tokens.issueAccess(subject, now);
    expect(issued.expiresIn).toBe(900);
    const [header, payload] = issued.accessToken.split('.') as [string, string];
    expect(decode(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = decode(payload);
    expect(claims).toMatchObject({ sub: subject.userId, email: subject.email, sid: subject.sessionId, tv: 3, type: 'access', iat: now / 1000, exp: now / 1000 + 900 });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens.verify(issued.accessToken, now + 60_000)).toEqual(claims);
    expect(tokens.verify(issued.accessToken, now + 900_000)).toBeUndefined();
  });

  it('gives every token its own id', () => {
    expect(tokens.issueAccess(subject, now).claims.jti).not.toBe(tokens.issueAccess(subject, now).claims.jti);
  });

  it('refuses tampered tokens, other keys and other algorithms', () => {
    const { accessToken } = tokens.issueAccess(subject, now);
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...decode(payload), tv: 4 })).toString('base64url');
    expect(tokens.verify(`${header}.${forged}.${signature}`, now)).toBeUndefined();
    expect(new TokenService({ ...config, JWT_SECRET: 'another-secret-that-is-long-enough-too' }).verify(accessToken, now)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(tokens.verify(`${none}.${payload}.`, now)).toBeUndefined();
    const hs512 = Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url');
    const resigned = createHmac('sha256', config.JWT_SECRET).update(`${hs512}.${payload}`).digest('base64url');
    expect(tokens.verify(`${hs512}.${payload}.${resigned}`, now)).toBeUndefined();
    expect(tokens.verify('not a token', now)).toBeUndefined();
  });

  it('refuses a correctly signed token that lacks the session or token version claims', () => {
    const sign = (claims: Record<string, unknown>) => {
      const body = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      return `${body}.${createHmac('sha256', config.JWT_SECRET).update(body).digest('base64url')}`;
    };
    const full = { ...tokens.issueAccess(subject, now).claims };
    expect(tokens.verify(sign(full), now)).toEqual(full);
    const { sid: _sid, ...withoutSession } = full;
    expect(tokens.verify(sign(withoutSession), now)).toBeUndefined();
    const { tv: _tv, ...withoutVersion } = full;
    expect(tokens.verify(sign(withoutVersion), now)).toBeUndefined();
    expect(tokens.verify(sign({ ...full, type: 'refresh' }), now)).toBeUndefined();
  });
});

describe('refresh tokens', () => {
  const tokens = new TokenService(config);

  it('are 32 random bytes in base64url, kept only as their SHA-256, expiring after JWT_REFRESH_TTL', () => {
    const first = tokens.newRefreshToken(now);
    const second = tokens.newRefreshToken(now);
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
    expect(first.token).not.toBe(second.token);
    expect(first.hash.equals(createHash('sha256').update(first.token).digest())).toBe(true);
    expect(tokens.hashRefreshToken(first.token).equals(first.hash)).toBe(true);
    expect(first.expiresAt.toISOString()).toBe('2026-02-09T10:00:00.000Z');
    expect(tokens.refreshTtlSeconds).toBe(30 * 24 * 3600);
  });
});
