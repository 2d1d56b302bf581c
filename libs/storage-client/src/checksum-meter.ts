import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** A pass-through stream that counts the bytes going by and hashes them (SHA-256). */
export interface ChecksumMeter {
  stream: Transform;
  /** Bytes seen so far. */
  size(): number;
  /** Lowercase hex SHA-256 of every byte seen; call once the stream has ended. */
  checksum(): string;
}

/**
 * Put it in a pipeline to learn an object's size and checksum while it streams; `onBytes` follows
 * the count. `highWaterMark` (bytes) lets hashing run ahead of a slower writer.
 */
export function checksumMeter(onBytes?: (bytes: number) => void, highWaterMark?: number): ChecksumMeter {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    ...(highWaterMark ? { highWaterMark } : {}),
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      onBytes?.(size);
      done(null, chunk);
    },
  });
  return { stream, size: () => size, checksum: () => hash.digest('hex') };
}
