import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** Generated bodies for the object store's tests: any size, made as they are read, with their digest. */

export const MIB = 1024 * 1024;

const PATTERN = Buffer.alloc(MIB);
for (let i = 0; i < PATTERN.length; i += 4) PATTERN.writeUInt32LE((i * 2654435761) >>> 0, i);

/** The `n`-th MiB of a generated body: a fixed pattern that starts with its number. */
export function block(n: number): Buffer {
  const chunk = Buffer.from(PATTERN);
  chunk.writeUInt32LE(n, 0);
  return chunk;
}

/** `total` bytes of `block(0)`, `block(1)`, ..., generated as they are read. */
export function generated(total: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let sent = 0;
  let n = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const size = Math.min(MIB, total - sent);
      const chunk = block(n++).subarray(0, size);
      hash.update(chunk);
      sent += size;
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}
