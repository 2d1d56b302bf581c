import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey } from './keys';
import { ObjectNotFoundError, type ObjectInfo, type ObjectStore, type StoredObject } from './object-store';

/** Objects as files under a root folder; writes go to a temp name and are renamed into place. */
export class LocalObjectStore implements ObjectStore {
  readonly backend = 'local' as const;

  constructor(private readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...assertSafeKey(key).split('/'));
  }

  async put(key: string, body: Buffer | string | Readable, options: { contentType?: string } = {}): Promise<StoredObject> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.partial`;
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
    try {
      await pipeline(source, meter, createWriteStream(temp));
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return { key, sizeBytes: size, checksumSha256: hash.digest('hex'), contentType: options.contentType };
  }

  async putFile(key: string, path: string, options: { contentType?: string } = {}): Promise<StoredObject> {
    return this.put(key, createReadStream(path), options);
  }

  async get(key: string): Promise<Readable> {
    const info = await this.head(key);
    if (!info) throw new ObjectNotFoundError(key);
    return createReadStream(this.path(key));
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
      const s = await stat(this.path(key));
      return s.isFile() ? { key, sizeBytes: s.size, modifiedAt: s.mtime } : undefined;
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
    await this.pruneEmpty(dirname(this.path(key)));
    return existed;
  }

  async deletePrefix(prefix: string): Promise<{ count: number; bytes: number }> {
    const objects = await this.list(prefix);
    for (const o of objects) await rm(this.path(o.key), { force: true });
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
        else if (entry.isFile() && !entry.name.endsWith('.partial')) {
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
    return out.sort((a, b) => a.key.localeCompare(b.key));
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
