import { randomBytes, scryptSync } from 'node:crypto';
import { PasswordHasher } from './password-hasher.service';

/** A hash as the gateway stored them before argon2id. */
function legacyScrypt(password: string): string {
  const salt = randomBytes(16);
  const key = scryptSync(password.normalize('NFKC'), salt, 64, { N: 1024, r: 8, p: 1 });
  return ['scrypt', 1024, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
}

describe('password hashes', () => {
  const hasher = new PasswordHasher({ memoryKib: 1024, passes: 1 });

  it('hashes with argon2id at the configured cost and verifies the right password only, with a salt per hash', async () => {
    const first = await hasher.hash('Correct horse 1');
    const second = await hasher.hash('Correct horse 1');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    expect(first).not.toBe(second);
    await expect(hasher.verify('Correct horse 1', first)).resolves.toBe(true);
    await expect(hasher.verify('Correct horse 2', first)).resolves.toBe(false);
    await expect(hasher.verify('Correct horse 1', 'bcrypt$whatever')).resolves.toBe(false);
    await expect(hasher.verify('Correct horse 1', '$argon2id$garbage')).resolves.toBe(false);
  });

  it('matches the same characters typed in another Unicode form', async () => {
    const composed = await hasher.hash('Caf\u00e9 au lait 9');
    await expect(hasher.verify('Cafe\u0301 au lait 9', composed)).resolves.toBe(true);
  });

  it('still verifies scrypt hashes from before, and asks for those to be rehashed', async () => {
    const old = legacyScrypt('Correct horse 1');
    await expect(hasher.verify('Correct horse 1', old)).resolves.toBe(true);
    await expect(hasher.verify('Correct horse 2', old)).resolves.toBe(false);
    expect(hasher.needsRehash(old)).toBe(true);
  });

  it('asks for a rehash when the cost changed, not otherwise', async () => {
    const current = await hasher.hash('Correct horse 1');
    expect(hasher.needsRehash(current)).toBe(false);
    expect(new PasswordHasher({ memoryKib: 2048, passes: 1 }).needsRehash(current)).toBe(true);
    expect(new PasswordHasher({ memoryKib: 1024, passes: 2 }).needsRehash(current)).toBe(true);
    expect(hasher.needsRehash('$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$aGFzaA')).toBe(true);
    expect(hasher.needsRehash('not a hash')).toBe(true);
  });

  it('keeps one dummy hash that no password matches, for timing-safe misses', async () => {
    const dummy = await hasher.dummyHash();
    expect(await hasher.dummyHash()).toBe(dummy);
    expect(dummy).toMatch(/^\$argon2id\$/);
    await expect(hasher.verify('', dummy)).resolves.toBe(false);
  });
});
