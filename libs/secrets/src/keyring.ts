import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LeapError } from '@leap/errors';

const ALGORITHM = 'aes-256-gcm';
const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A ciphertext that cannot be opened: an unknown key id, a damaged value, or another context. */
export class SecretsError extends LeapError {
  constructor(code: 'SECRETS.UNKNOWN_KEY' | 'SECRETS.UNREADABLE' | 'SECRETS.INVALID_KEYRING', message: string) {
    super(code, message, { retryable: false, status: 500 });
    this.name = 'SecretsError';
  }
}

/**
 * Secrets at rest (platform tokens, provider API keys): AES-256-GCM, a fresh 96-bit IV per value,
 * and the id of the key that sealed it written into the value, so keys can be rotated without a
 * flag day. A value reads `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts).
 *
 * `context` is authenticated but not stored (GCM additional data): pass what the value belongs to
 * (`credential:<id>`), and a ciphertext copied to another row does not open there.
 */
export class Keyring {
  private readonly keys: ReadonlyMap<string, Buffer>;

  /** `keys` in order of preference: the first seals new values, every one opens old ones. */
  constructor(keys: ReadonlyArray<{ id: string; key: Buffer }>) {
    if (keys.length === 0) throw new SecretsError('SECRETS.INVALID_KEYRING', 'The keyring has no key');
    const map = new Map<string, Buffer>();
    for (const { id, key } of keys) {
      if (!KEY_ID.test(id)) throw new SecretsError('SECRETS.INVALID_KEYRING', `Key id "${id}" must be 1-32 letters, digits, - or _`);
      if (key.length !== 32) throw new SecretsError('SECRETS.INVALID_KEYRING', `Key ${id} must be 32 bytes, not ${key.length}`);
      if (map.has(id)) throw new SecretsError('SECRETS.INVALID_KEYRING', `Key id ${id} appears twice`);
      map.set(id, key);
    }
    this.keys = map;
    this.activeKeyId = keys[0].id;
  }

  /** The key that seals new values. */
  readonly activeKeyId: string;

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  encrypt(plaintext: string, context = ''): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(this.activeKeyId) as Buffer, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, this.activeKeyId, b64(iv), b64(cipher.getAuthTag()), b64(sealed)].join('.');
  }

  decrypt(value: string, context = ''): string {
    const { keyId, iv, tag, sealed } = parse(value);
    const key = this.keys.get(keyId);
    if (!key) throw new SecretsError('SECRETS.UNKNOWN_KEY', `The value was sealed with key ${keyId}, which the keyring does not hold`);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretsError('SECRETS.UNREADABLE', `The value sealed with key ${keyId} does not open: it is damaged or belongs elsewhere`);
    }
  }

  encryptJson(value: unknown, context = ''): string {
    return this.encrypt(JSON.stringify(value), context);
  }

  decryptJson<T = unknown>(value: string, context = ''): T {
    return JSON.parse(this.decrypt(value, context)) as T;
  }

  /** The id of the key that sealed `value`. */
  keyIdOf(value: string): string {
    return parse(value).keyId;
  }

  /** Whether `value` is sealed with another key than the active one. */
  needsRotation(value: string): boolean {
    return this.keyIdOf(value) !== this.activeKeyId;
  }

  /** `value` sealed again with the active key (the same value back when it already is). */
  rotate(value: string, context = ''): string {
    return this.needsRotation(value) ? this.encrypt(this.decrypt(value, context), context) : value;
  }
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64url');
}

function parse(value: string): { keyId: string; iv: Buffer; tag: Buffer; sealed: Buffer } {
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) throw new SecretsError('SECRETS.UNREADABLE', 'The value is not a sealed secret');
  const [, keyId, iv, tag, sealed] = parts;
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SecretsError('SECRETS.UNREADABLE', 'The value is not a sealed secret');
  return { keyId, iv: ivBytes, tag: tagBytes, sealed: Buffer.from(sealed, 'base64url') };
}

/**
 * The keyring a setting describes: `id:key,id:key`, each key 32 bytes in base64 (or 64 hex
 * digits); the first entry is the active one. Rotation: put a new key first, keep the old ones
 * until `rotateAll` has resealed every value, then drop them.
 */
export function parseKeyring(text: string): Keyring {
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((entry) => {
      const colon = entry.indexOf(':');
      if (colon <= 0) throw new SecretsError('SECRETS.INVALID_KEYRING', 'Each key is written id:key');
      const id = entry.slice(0, colon);
      const material = entry.slice(colon + 1);
      const key = /^[0-9a-f]{64}$/i.test(material) ? Buffer.from(material, 'hex') : Buffer.from(material, 'base64');
      return { id, key };
    });
  return new Keyring(entries);
}

/** A new random key, written as `parseKeyring` reads it. */
export function generateKeyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** One sealed value to rotate: where it lives, its context, and how to write the new value back. */
export interface SealedValue {
  value: string;
  context?: string;
  write(next: string): Promise<void>;
}

export interface RotationReport {
  examined: number;
  rotated: number;
  /** Values that did not open (their key is gone, or they are damaged): left as they were. */
  failed: { context: string; code: string }[];
}

/**
 * Re-seals every value that is not sealed with the active key. The values come in pages
 * (`next()` answers an empty page at the end) so a large table is never held in memory.
 */
export async function rotateAll(keyring: Keyring, next: () => Promise<SealedValue[]>): Promise<RotationReport> {
  const report: RotationReport = { examined: 0, rotated: 0, failed: [] };
  for (let page = await next(); page.length > 0; page = await next()) {
    for (const item of page) {
      report.examined += 1;
      try {
        if (!keyring.needsRotation(item.value)) continue;
        await item.write(keyring.rotate(item.value, item.context));
        report.rotated += 1;
      } catch (error) {
        if (!(error instanceof SecretsError)) throw error;
        report.failed.push({ context: item.context ?? '', code: error.code });
      }
    }
  }
  return report;
}
