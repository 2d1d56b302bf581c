import { ObjectKind, type ObjectRef } from '@leap/contracts';
import type { ObjectStore } from '@leap/storage-client';
import { CatalogueService } from './catalogue.service';
import type { CatalogueRow, ObjectCatalogueRepository, Transaction } from './object-catalogue.repository';
import type { StoredObjectEntity } from './stored-object.entity';

const tx = {} as Transaction;
const user = 'u1';
const rec = 'r1';
const prefix = `users/${user}/recordings/${rec}/`;

/** The catalogue in memory; the store knows only the keys it is given. */
function setup(present: string[], deleted = { count: 0, bytes: 0 }) {
  const rows = new Map<string, CatalogueRow>();
  const locks: string[] = [];
  const repository: ObjectCatalogueRepository = {
    lockUser: async (_tx: Transaction, userId: string) => void locks.push(userId),
    totalBytes: async (_tx: Transaction, userId: string) =>
      [...rows.values()].filter((r) => r.userId === userId).reduce((n, r) => n + BigInt(r.sizeBytes), 0n),
    find: async (_tx: Transaction, keys: string[]) => keys.flatMap((k) => (rows.has(k) ? [rows.get(k) as StoredObjectEntity] : [])),
    upsert: async (_tx: Transaction, changed: CatalogueRow[]) => changed.forEach((r) => rows.set(r.key, r)),
    deleteRecording: async (_tx: Transaction, userId: string, recordingId: string) => {
      const gone = [...rows.values()].filter((r) => r.userId === userId && r.recordingId === recordingId);
      gone.forEach((r) => rows.delete(r.key));
      return { count: gone.length, bytes: gone.reduce((n, r) => n + BigInt(r.sizeBytes), 0n) };
    },
  } as ObjectCatalogueRepository;
  const deletedPrefixes: string[] = [];
  let files = deleted;
  const store = new Proxy({} as ObjectStore, {
    get(_target, name) {
      if (name === 'exists') return async (key: string) => present.includes(key);
      if (name === 'deletePrefix')
        return async (p: string) => {
          deletedPrefixes.push(p);
          const removed = files;
          files = { count: 0, bytes: 0 };
          return removed;
        };
      if (name === 'then') return undefined;
      throw new Error(`unexpected store call ${String(name)}`);
    },
  });
  return { service: new CatalogueService(store, repository), rows, locks, deletedPrefixes };
}

const ref = (name: string, size: number, kind: ObjectKind, checksum = `sha-${name}-${size}`): ObjectRef => ({
  key: `${prefix}${name}`,
  sizeBytes: String(size),
  checksumSha256: checksum,
  kind,
});

describe('CatalogueService', () => {
  it('counts an object once even when a later event names the same key as another kind', async () => {
    const source = ref('source.mp4', 1000, ObjectKind.SOURCE);
    const { service, rows } = setup([source.key, `${prefix}audio.mp3`]);
    const first = await service.record(tx, { userId: user, recordingId: rec, objects: [source] });
    expect(first.usage).toEqual({ userId: user, totalBytes: 1000n, deltaBytes: 1000n });

    const trimmed = await service.record(tx, { userId: user, recordingId: rec, objects: [{ ...source, kind: ObjectKind.VIDEO }, ref('audio.mp3', 200, ObjectKind.AUDIO)] });
    expect(trimmed.usage).toEqual({ userId: user, totalBytes: 1200n, deltaBytes: 200n });
    expect(trimmed.stored.map((o) => o.key)).toEqual([`${prefix}audio.mp3`]);
    expect(rows.get(source.key)!.kind).toBe('SOURCE');
  });

  it('replaces the size of a rewritten key and changes nothing for an identical one', async () => {
    const { service } = setup([`${prefix}transcription/master.json`]);
    await service.record(tx, { userId: user, recordingId: rec, objects: [ref('transcription/master.json', 50, ObjectKind.TRANSCRIPT)] });
    const again = await service.record(tx, { userId: user, recordingId: rec, objects: [ref('transcription/master.json', 50, ObjectKind.TRANSCRIPT)] });
    expect(again).toEqual({ stored: [], missing: [] });
    const rewritten = await service.record(tx, { userId: user, recordingId: rec, objects: [ref('transcription/master.json', 30, ObjectKind.TRANSCRIPT)] });
    expect(rewritten.usage).toEqual({ userId: user, totalBytes: 30n, deltaBytes: -20n });
  });

  it('does not catalogue objects that are not in the store', async () => {
    const { service, locks } = setup([]);
    const update = await service.record(tx, { userId: user, recordingId: rec, objects: [ref('audio.mp3', 10, ObjectKind.AUDIO)] });
    expect(update).toEqual({ stored: [], missing: [`${prefix}audio.mp3`] });
    expect(locks).toEqual([]);
  });

  it('refuses objects outside the recording and objects without a size or kind', async () => {
    const { service } = setup([]);
    const foreign = { ...ref('audio.mp3', 10, ObjectKind.AUDIO), key: 'users/u2/recordings/r1/audio.mp3' };
    await expect(service.record(tx, { userId: user, recordingId: rec, objects: [foreign] })).rejects.toMatchObject({ code: 'STORAGE.FOREIGN_KEY', retryable: false });
    await expect(service.record(tx, { userId: user, recordingId: rec, objects: [ref('audio.mp3', -1, ObjectKind.AUDIO)] })).rejects.toMatchObject({
      code: 'STORAGE.INVALID_OBJECT',
    });
    await expect(service.record(tx, { userId: user, recordingId: rec, objects: [ref('audio.mp3', 1, ObjectKind.UNSPECIFIED)] })).rejects.toMatchObject({
      code: 'STORAGE.INVALID_OBJECT',
    });
  });

  it('deletes the whole prefix and the rows, and reports the freed usage; a repeat changes nothing', async () => {
    const source = ref('source.mp4', 1000, ObjectKind.SOURCE);
    const first = setup([source.key], { count: 2, bytes: 1005 });
    await first.service.record(tx, { userId: user, recordingId: rec, objects: [source] });
    const deletion = await first.service.deleteRecording(tx, user, rec);
    expect(first.deletedPrefixes).toEqual([prefix]);
    expect(deletion).toEqual({ count: 2, bytes: 1005n, usage: { userId: user, totalBytes: 0n, deltaBytes: -1000n } });
    expect(await first.service.deleteRecording(tx, user, rec)).toEqual({ count: 0, bytes: 0n });

    const repeat = setup([]);
    expect(await repeat.service.deleteRecording(tx, user, rec)).toEqual({ count: 0, bytes: 0n });
    await expect(repeat.service.deleteRecording(tx, '../x', rec)).rejects.toMatchObject({ code: 'STORAGE.INVALID_ID', retryable: false });
    expect(repeat.deletedPrefixes).toEqual([prefix]);
  });
});
