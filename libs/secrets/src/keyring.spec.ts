import { randomBytes } from 'node:crypto';
import { generateKeyEntry, Keyring, parseKeyring, rotateAll, SecretsError, type SealedValue } from './keyring';
import { maskSecret, maskSecrets } from './mask';

const key = () => randomBytes(32);

describe('Keyring', () => {
  it('seals and opens a value, with a fresh IV each time and its key id in the clear', () => {
    const keyring = new Keyring([{ id: 'k1', key: key() }]);
    const a = keyring.encrypt('zoom-client-secret', 'credential:1');
    const b = keyring.encrypt('zoom-client-secret', 'credential:1');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.k1\./);
    expect(a).not.toContain('zoom-client-secret');
    expect(keyring.decrypt(a, 'credential:1')).toBe('zoom-client-secret');
    expect(keyring.decryptJson(keyring.encryptJson({ token: 't', n: 1 }))).toEqual({ token: 't', n: 1 });
  });

  it('does not open a value in another context, nor a tampered one', () => {
    const keyring = new Keyring([{ id: 'k1', key: key() }]);
    const sealed = keyring.encrypt('secret', 'credential:1');
    expect(() => keyring.decrypt(sealed, 'credential:2')).toThrow(expect.objectContaining({ code: 'SECRETS.UNREADABLE' }));
    const parts = sealed.split('.');
    const body = Buffer.from(parts[4], 'base64url');
    body[0] ^= 1;
    parts[4] = body.toString('base64url');
    expect(() => keyring.decrypt(parts.join('.'), 'credential:1')).toThrow(expect.objectContaining({ code: 'SECRETS.UNREADABLE' }));
    expect(() => keyring.decrypt('plain text')).toThrow(expect.objectContaining({ code: 'SECRETS.UNREADABLE' }));
  });

  it('names a key it does not hold', () => {
    const old = new Keyring([{ id: 'old', key: key() }]);
    const sealed = old.encrypt('secret');
    const other = new Keyring([{ id: 'new', key: key() }]);
    expect(() => other.decrypt(sealed)).toThrow(expect.objectContaining({ code: 'SECRETS.UNKNOWN_KEY' }));
  });

  it('refuses a keyring with no key, a short key, a bad id or a repeated id', () => {
    expect(() => new Keyring([])).toThrow(SecretsError);
    expect(() => new Keyring([{ id: 'k1', key: randomBytes(16) }])).toThrow(/32 bytes/);
    expect(() => new Keyring([{ id: 'k.1', key: key() }])).toThrow(/Key id/);
    const k = key();
    expect(() => new Keyring([{ id: 'k1', key: k }, { id: 'k1', key: k }])).toThrow(/twice/);
  });

  it('reads the setting: base64 or hex keys, the first one active', () => {
    const hex = randomBytes(32).toString('hex');
    const keyring = parseKeyring(` ${generateKeyEntry('k2')}, k1:${hex} `);
    expect(keyring.activeKeyId).toBe('k2');
    expect(keyring.keyIds).toEqual(['k2', 'k1']);
    expect(() => parseKeyring('')).toThrow(SecretsError);
    expect(() => parseKeyring('no-colon')).toThrow(/id:key/);
  });
});

describe('rotation', () => {
  it('re-seals every value sealed with an older key, leaves current ones, and reports the ones that do not open', async () => {
    const k1 = { id: 'k1', key: key() };
    const k2 = { id: 'k2', key: key() };
    const before = new Keyring([k1]);
    const rows = new Map<string, string>([
      ['credential:1', before.encrypt('one', 'credential:1')],
      ['credential:2', before.encrypt('two', 'credential:2')],
      ['credential:3', new Keyring([{ id: 'lost', key: key() }]).encrypt('three', 'credential:3')],
    ]);
    const after = new Keyring([k2, k1]);
    rows.set('credential:4', after.encrypt('four', 'credential:4'));
    const current4 = rows.get('credential:4');

    const pages = [[...rows.keys()].slice(0, 2), [...rows.keys()].slice(2), []];
    const next = async (): Promise<SealedValue[]> =>
      (pages.shift() ?? []).map((context) => ({ context, value: rows.get(context) as string, write: async (v: string) => void rows.set(context, v) }));
    const report = await rotateAll(after, next);

    expect(report).toEqual({ examined: 4, rotated: 2, failed: [{ context: 'credential:3', code: 'SECRETS.UNKNOWN_KEY' }] });
    expect(after.keyIdOf(rows.get('credential:1') as string)).toBe('k2');
    expect(after.decrypt(rows.get('credential:2') as string, 'credential:2')).toBe('two');
    expect(rows.get('credential:4')).toBe(current4);
    // Once rotated, the old key can go.
    const only = new Keyring([k2]);
    expect(only.decrypt(rows.get('credential:1') as string, 'credential:1')).toBe('one');
  });
});

describe('masked hints', () => {
  it('keeps enough to recognise a secret, never enough to use it', () => {
    expect(maskSecret('sk-live-0123456789abcdef')).toBe('sk-…cdef');
    expect(maskSecret('12345678')).toBe('…78');
    expect(maskSecret('short')).toBe('…');
    expect(maskSecrets({ client_id: 'abcdefghijklmnopqrstu', client_secret: 'p', nested: [{ t: 'xyzxyzxyzxyzxyzxyz' }], port: 443, on: true })).toEqual({
      client_id: 'abc…rstu',
      client_secret: '…',
      nested: [{ t: 'xyz…zxyz' }],
      port: 443,
      on: true,
    });
  });
});
