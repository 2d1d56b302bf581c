import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { API_KEY_PREFIX } from '../access/authenticators';

/** Characters of a key's public id: lower-case letters and digits, so the id never contains the `_` separator. */
const PUBLIC_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PUBLIC_ID_LENGTH = 8;
const SECRET_BYTES = 32;

/** `leap_<8-char public id>_<32 random bytes, base64url (43 chars)>`. */
const KEY_PATTERN = /^leap_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

/** A freshly made key: what is stored (public id, hash) and what is shown once (the key). */
export interface NewApiKeySecret {
  publicId: string;
  key: string;
  hash: Buffer;
}

/** A new random key. The public id is the lookup handle; the 256-bit secret is what proves possession. */
export function generateApiKey(): NewApiKeySecret {
  let publicId = '';
  for (let i = 0; i < PUBLIC_ID_LENGTH; i++) publicId += PUBLIC_ID_ALPHABET[randomInt(PUBLIC_ID_ALPHABET.length)];
  const key = `${API_KEY_PREFIX}${publicId}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
  return { publicId, key, hash: hashApiKey(key) };
}

/** The public id of a well-formed key, or undefined for anything else. */
export function publicIdOf(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** What a client sees of a key in lists: `leap_<public id>`, enough to recognise it, useless to authenticate. */
export function displayPrefix(publicId: string): string {
  return `${API_KEY_PREFIX}${publicId}`;
}

/**
 * SHA-256 of the whole key. The secret part is 256 random bits, so a plain hash cannot be reversed
 * by guessing and needs no pepper (which would tie every key to the JWT secret's rotation).
 */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Whether `key` hashes to `storedHash`, compared in constant time. */
export function matchesHash(key: string, storedHash: Buffer): boolean {
  const hash = hashApiKey(key);
  return storedHash.length === hash.length && timingSafeEqual(storedHash, hash);
}
