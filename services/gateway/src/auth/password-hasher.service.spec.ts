import { PasswordHasher } from './password-hasher.service';

describe('password hashes', () => {
  const hasher = new PasswordHasher({ N: 1024, r: 8, p: 1 });

  it('verifies the right password only, with a salt per hash', async () => {
    const first = await hasher.hash('correct horse 1');
    const second = await hasher.hash('correct horse 1');
    expect(first).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(first).not.toBe(second);
    await expect(hasher.verify('correct horse 1', first)).resolves.toBe(true);
    await expect(hasher.verify('correct horse 2', first)).resolves.toBe(false);
    await expect(hasher.verify('correct horse 1', 'bcrypt$whatever')).resolves.toBe(false);
  });
});
