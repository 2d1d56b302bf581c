import { displayPrefix, generateApiKey, hashApiKey, matchesHash, publicIdOf } from './api-key-format';

describe('API key format', () => {
  it('makes leap_<public id>_<secret> keys whose public id parses back and whose hash matches', () => {
    const made = generateApiKey();
    expect(made.key).toMatch(/^leap_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(publicIdOf(made.key)).toBe(made.publicId);
    expect(displayPrefix(made.publicId)).toBe(made.key.slice(0, 13));
    expect(matchesHash(made.key, made.hash)).toBe(true);
    expect(made.hash.equals(hashApiKey(made.key))).toBe(true);
  });

  it('tells keys apart and refuses a changed secret or a malformed key', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.key).not.toBe(b.key);
    const tampered = a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A');
    expect(matchesHash(tampered, a.hash)).toBe(false);
    expect(matchesHash(a.key, Buffer.alloc(3))).toBe(false);
    expect(publicIdOf('leap_short_secret')).toBeUndefined();
    expect(publicIdOf(`leap_ABCDEFGH_${'x'.repeat(43)}`)).toBeUndefined();
    expect(publicIdOf(`${a.key}x`)).toBeUndefined();
  });
});
