import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, parseOptions, type Algorithm } from '@node-rs/argon2';

/** argon2id's number in @node-rs/argon2 (its `Algorithm` is a const enum, absent at run time). */
const ARGON2ID = 2 as Algorithm;
const PARALLELISM = 1;

/** The argon2id cost of new hashes: memory in KiB and passes over it. */
export interface PasswordHashCost {
  memoryKib: number;
  passes: number;
}

/** OWASP's minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export const DEFAULT_PASSWORD_HASH_COST: PasswordHashCost = { memoryKib: 19456, passes: 2 };

const SCRYPT_KEY_LENGTH = 64;

function scryptDerive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, SCRYPT_KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Hashes made before argon2id: `scrypt$<N>$<r>$<p>$<salt base64>$<hash base64>`. */
async function verifyScrypt(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6) return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptDerive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * Password hashes: argon2id in the PHC string format (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`),
 * a random salt per hash and the cost kept with it. Older `scrypt$…` hashes still verify;
 * `needsRehash` tells a successful login to store a fresh hash at the current cost.
 * Passwords are NFKC-normalised first, so the same characters typed differently match.
 */
export class PasswordHasher {
  constructor(private readonly cost: PasswordHashCost = DEFAULT_PASSWORD_HASH_COST) {}

  hash(password: string): Promise<string> {
    return argon2Hash(password.normalize('NFKC'), { algorithm: ARGON2ID, memoryCost: this.cost.memoryKib, timeCost: this.cost.passes, parallelism: PARALLELISM });
  }

  /** True when `password` matches the stored hash (argon2id, or a legacy scrypt one); false for anything unreadable. */
  async verify(password: string, stored: string): Promise<boolean> {
    const normalized = password.normalize('NFKC');
    if (stored.startsWith('scrypt$')) return verifyScrypt(normalized, stored);
    if (!stored.startsWith('$argon2')) return false;
    try {
      return await argon2Verify(stored, normalized);
    } catch {
      return false;
    }
  }

  /**
   * True when a stored hash is not argon2id at the current cost (a legacy scrypt hash, or one made
   * before the cost was changed). After a successful `verify`, store `hash(password)` instead.
   */
  needsRehash(stored: string): boolean {
    if (!stored.startsWith('$argon2id$')) return true;
    try {
      const options = parseOptions(stored);
      return options.memoryCost !== this.cost.memoryKib || options.timeCost !== this.cost.passes || options.parallelism !== PARALLELISM;
    } catch {
      return true;
    }
  }

  /** A hash of nothing anyone knows: verifying against it costs the same as a real check, so timing does not reveal accounts. */
  private dummy?: Promise<string>;
  dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    return this.dummy;
  }
}
