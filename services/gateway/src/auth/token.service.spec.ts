import { createHmac } from 'node:crypto';
import { TokenService } from './token.service';

const config = { JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256', JWT_ACCESS_TTL: 15 * 60_000 };
const user = { id: '0194a5b2-0000-7000-8000-000000000001', email: 'alice@example.org' };
const now = Date.parse('2026-01-10T10:00:00Z');

describe('access tokens', () => {
  const tokens = new TokenService(config);

  it('issues an HS256 JWT that verifies until it expires', () => {
    const issued = tokens.issue(user, now);
    expect(issued).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    const [header] = issued.accessToken.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(tokens.verify(issued.accessToken, now + 60_000)).toMatchObject({ sub: user.id, email: user.email, type: 'access' });
    expect(tokens.verify(issued.accessToken, now + 900_000)).toBeUndefined();
  });

  it('refuses tampered tokens, other keys and other algorithms', () => {
    const { accessToken } = tokens.issue(user, now);
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' })).toString('base64url');
    expect(tokens.verify(`${header}.${forged}.${signature}`, now)).toBeUndefined();
    expect(new TokenService({ ...config, JWT_SECRET: 'another-secret-that-is-long-enough-too' }).verify(accessToken, now)).toBeUndefined();
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(tokens.verify(`${none}.${payload}.`, now)).toBeUndefined();
    const hs512 = Buffer.from(JSON.stringify({ alg: 'HS512', typ: 'JWT' })).toString('base64url');
    const resigned = createHmac('sha256', config.JWT_SECRET).update(`${hs512}.${payload}`).digest('base64url');
    expect(tokens.verify(`${hs512}.${payload}.${resigned}`, now)).toBeUndefined();
    expect(tokens.verify('not a token', now)).toBeUndefined();
  });
});
