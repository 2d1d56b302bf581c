import { MediaUrlSigner } from './media-url.signer';

describe('media URL signer', () => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const signer = new MediaUrlSigner(Buffer.from('a-secret-of-the-test'), () => now);
  const key = 'users/u1/recordings/r1/video.mp4';

  function parts(url: string) {
    const parsed = new URL(url, 'http://localhost');
    return { token: parsed.pathname.split('/').pop()!, expires: parsed.searchParams.get('expires')!, signature: parsed.searchParams.get('signature')! };
  }

  it('opens the key it was signed for until it expires', () => {
    const url = signer.sign(key, 60);
    expect(url).toMatch(/^\/api\/v1\/media\/[A-Za-z0-9_-]+\?expires=\d+&signature=[A-Za-z0-9_-]{43}$/);
    const { token, expires, signature } = parts(url);
    expect(signer.verify(token, expires, signature)).toBe(key);
    now += 59_999;
    expect(signer.verify(token, expires, signature)).toBe(key);
    now += 1;
    expect(() => signer.verify(token, expires, signature)).toThrow(expect.objectContaining({ code: 'MEDIA.URL_EXPIRED', status: 403 }));
  });

  it('refuses another key, a later expiry, another signature or another secret', () => {
    const { token, expires, signature } = parts(signer.sign(key, 60));
    const other = Buffer.from('users/u2/recordings/r1/video.mp4').toString('base64url');
    const invalid = expect.objectContaining({ code: 'MEDIA.URL_INVALID', status: 403 });
    expect(() => signer.verify(other, expires, signature)).toThrow(invalid);
    expect(() => signer.verify(token, String(Number(expires) + 1), signature)).toThrow(invalid);
    expect(() => signer.verify(token, expires, `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`)).toThrow(invalid);
    expect(() => signer.verify(token, undefined, signature)).toThrow(invalid);
    expect(() => new MediaUrlSigner(Buffer.from('another secret'), () => now).verify(token, expires, signature)).toThrow(invalid);
  });

  it('refuses a signed token whose key could leave the store', () => {
    const invalid = expect.objectContaining({ code: 'MEDIA.URL_INVALID', status: 403 });
    for (const bad of ['users/u1/../../etc/passwd', '/etc/passwd', 'users\\u1']) {
      const { token, expires, signature } = parts(signer.sign(bad, 60));
      expect(() => signer.verify(token, expires, signature)).toThrow(invalid);
    }
  });
});
