import { StreamTokens } from './stream-tokens';

describe('stream tokens', () => {
  const config = { JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256', EVENTS_STREAM_TOKEN_TTL: 300_000 };
  const tokens = new StreamTokens(config);
  const subject = { userId: '0190a6c4-0000-7000-8000-000000000001', sessionId: '0190a6c4-0000-7000-8000-000000000002', tokenVersion: 3 };
  const now = Date.parse('2026-03-01T10:00:00Z');

  it('opens until its lifetime ends', () => {
    const { token } = tokens.issue(subject, now);
    expect(token).toMatch(/^st1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(tokens.verify(token, now + 299_999)).toMatchObject({ sub: subject.userId, sid: subject.sessionId, tv: 3 });
    expect(tokens.verify(token, now + 300_000)).toBeUndefined();
  });

  it('refuses a changed claim, another secret, an access token and rubbish', () => {
    const { token } = tokens.issue(subject, now);
    const [, body, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: '0190a6c4-0000-7000-8000-000000000009' })).toString('base64url');
    expect(tokens.verify(`st1.${forged}.${mac}`, now)).toBeUndefined();
    expect(new StreamTokens({ ...config, JWT_SECRET: 'another-secret-that-is-long-enough-for-hs256' }).verify(token, now)).toBeUndefined();
    expect(tokens.verify('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', now)).toBeUndefined();
    for (const rubbish of ['', 'st1..', `st1.${body}.`, `st2.${body}.${mac}`, 'st1.%%%.x']) expect(tokens.verify(rubbish, now)).toBeUndefined();
  });
});
