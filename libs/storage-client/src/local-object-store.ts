import { checksumMeter } from './checksum-meter';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey } from './keys';
import { byKey, ObjectNotFoundError, resolveRange, type ByteRange, type ObjectInfo, type ObjectStore, type StoredObject } from './object-store';

/** Beside each object file, its SHA-256 in hex (S3 keeps it as the object's metadata). */
const CHECKSUM_SUFFIX = '.sha256';
/** A write in progress; renamed into place when complete. */
const PARTIAL_SUFFIX = '.partial';
/**
 * Buffers of a streamed write and of file reads. With Node's defaults (16 KiB writes, 64 KiB
 * reads) reading, hashing and writing take turns; with these they overlap, which on a busy disk
 * about doubles the throughput of a large write (docs/performance.md, storage). Memory per
 * transfer stays within a few of these, whatever the object's size.
 */
const WRITE_BUFFER = 8 * 1024 * 1024;
const READ_CHUNK = 4 * 1024 * 1024;

/**
 * Objects as files under a root folder; writes go to a temp name and are renamed into place. Names
 * ending in `.sha256` or `.partial` are the store's own (checksums, writes in progress), so keys
 * may not end with them.
 */
export class LocalObjectStore implements ObjectStore {
  readonly backend = 'local' as const;

  constructor(private readonly root: string) {}

  private path(key: string): string {
    const safe = assertSafeKey(key);
    if (safe.endsWith(CHECKSUM_SUFFIX) || safe.endsWith(PARTIAL_SUFFIX)) throw new Error(`Unsafe storage key: ${JSON.stringify(key)} (reserved suffix)`);
    return join(this.root, ...safe.split('/'));
  }

  async put(key: string, body: Buffer | string | Readable, options: { contentType?: string } = {}): Promise<StoredObject> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`;
    const meter = checksumMeter(undefined, WRITE_BUFFER);
    const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
    const checksumTemp = `${temp}${CHECKSUM_SUFFIX}`;
    let checksum: string;
    try {
      await pipeline(source, meter.stream, createWriteStream(temp, { highWaterMark: WRITE_BUFFER }));
      checksum = meter.checksum();
      await writeFile(checksumTemp, checksum);
      // The old checksum goes first: a crash in between leaves an object without one, never a wrong one.
      await rm(`${target}${CHECKSUM_SUFFIX}`, { force: true });
      await rename(temp, target);
      await rename(checksumTemp, `${target}${CHECKSUM_SUFFIX}`);
    } catch (error) {
      await rm(temp, { force: true });
      await rm(checksumTemp, { force: true });
      throw error;
    }
    return { key, sizeBytes: meter.size(), checksumSha256: checksum, contentType: options.contentType };
  }

  async putFile(key: string, path: string, options: { contentType?: string } = {}): Promise<StoredObject> {
    return this.put(key, createReadStream(path, { highWaterMark: READ_CHUNK }), options);
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<Readable> {
    const info = await this.head(key);
    if (!info) throw new ObjectNotFoundError(key);
    return createReadStream(this.path(key), { highWaterMark: READ_CHUNK, ...(options.range ? resolveRange(key, options.range, info.sizeBytes) : {}) });
  }

  async getBuffer(key: string): Promise<Buffer> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async getToFile(key: string, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    try {
      await copyFile(this.path(key), path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const path = this.path(key);
      const s = await stat(path);
      if (!s.isFile()) return undefined;
      const checksum = await readFile(`${path}${CHECKSUM_SUFFIX}`, 'utf8').catch(() => undefined);
      return { key, sizeBytes: s.size, modifiedAt: s.mtime, ...(checksum ? { checksumSha256: checksum.trim() } : {}) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    const existed = await this.exists(key);
    await rm(this.path(key), { force: true });
    await rm(`${this.path(key)}${CHECKSUM_SUFFIX}`, { force: true });
    await this.pruneEmpty(dirname(this.path(key)));
    return existed;
  }

  async deletePrefix(prefix: string): Promise<{ count: number; bytes: number }> {
    const objects = await this.list(prefix);
    for (const o of objects) {
      await rm(this.path(o.key), { force: true });
      await rm(`${this.path(o.key)}${CHECKSUM_SUFFIX}`, { force: true });
    }
    const folder = this.path(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
    if (prefix.endsWith('/')) await rm(folder, { recursive: true, force: true });
    await this.pruneEmpty(dirname(folder));
    return { count: objects.length, bytes: objects.reduce((n, o) => n + o.sizeBytes, 0) };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.endsWith(PARTIAL_SUFFIX) && !entry.name.endsWith(CHECKSUM_SUFFIX)) {
          const key = relative(this.root, full).split(sep).join('/');
          if (key.startsWith(prefix)) {
            const s = await stat(full);
            out.push({ key, sizeBytes: s.size, modifiedAt: s.mtime });
          }
        }
      }
    };
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    await walk(base ? this.path(base) : this.root);
    return out.sort(byKey);
  }

  /** Removes `<name>.<random>.partial` files (and their `.partial.sha256`) not written to since `olderThan`: writes that never finished. */
  async removeStaleWrites(olderThan: Date): Promise<{ count: number; bytes: number }> {
    let count = 0;
    let bytes = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && (entry.name.endsWith(PARTIAL_SUFFIX) || entry.name.endsWith(`${PARTIAL_SUFFIX}${CHECKSUM_SUFFIX}`))) {
          const s = await stat(full).catch(() => undefined);
          if (!s || s.mtime >= olderThan) continue;
          await rm(full, { force: true });
          count += 1;
          bytes += s.size;
        }
      }
    };
    await walk(this.root);
    return { count, bytes };
  }

  async ping(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  /** Remove empty folders left behind, up to the root. */
  private async pruneEmpty(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.root) && d !== this.root; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return;
      }
    }
  }
}
