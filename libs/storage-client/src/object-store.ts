import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  sizeBytes: number;
  /** Hex SHA-256 of the content, computed while it streamed in. */
  checksumSha256: string;
  contentType?: string;
}

export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  modifiedAt: Date;
  /** Hex SHA-256 recorded when the object was written (in `head`; absent for objects written by other tools). */
  checksumSha256?: string;
  contentType?: string;
}

/** Bytes `start` to `end`, both included, as in an HTTP `Range` header; without `end`, to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

/**
 * The object store every service reads and writes through: local disk or S3, same keys.
 * Writes are atomic (an object is either absent or complete) and report size and checksum; both
 * backends keep the SHA-256 beside the object and give it back from `head`.
 */
export interface ObjectStore {
  readonly backend: 'local' | 's3';
  put(key: string, body: Buffer | string | Readable, options?: { contentType?: string }): Promise<StoredObject>;
  /** Upload a local file (media after ffmpeg). */
  putFile(key: string, path: string, options?: { contentType?: string }): Promise<StoredObject>;
  /** The content, or with `range` only those bytes (`InvalidRangeError` when the range starts past the end). */
  get(key: string, options?: { range?: ByteRange }): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  /** Download to a local file (for ffmpeg and recognisers); creates parent folders. */
  getToFile(key: string, path: string): Promise<void>;
  head(key: string): Promise<ObjectInfo | undefined>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Delete every object under a prefix; returns how many and how many bytes. */
  deletePrefix(prefix: string): Promise<{ count: number; bytes: number }>;
  /** Every object under a prefix, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /**
   * Removes what writes that never finished left behind, last touched before `olderThan` (the
   * local backend's `.partial` files of a crashed writer). Backends with nothing of the kind
   * (S3 aborts a failed multipart upload itself) leave it out.
   */
  removeStaleWrites?(olderThan: Date): Promise<{ count: number; bytes: number }>;
  /** Readiness: throws when the store is unreachable. */
  ping(): Promise<void>;
  /**
   * A URL the object can be fetched from directly with a plain GET until `expiresInSeconds` have
   * passed; only backends that can sign one (S3). Others are served through a signed gateway URL.
   */
  presignedGetUrl?(key: string, expiresInSeconds: number, options?: { downloadName?: string }): Promise<string>;
}

export class ObjectNotFoundError extends Error {
  readonly code = 'STORAGE.NOT_FOUND';
  constructor(readonly key: string) {
    super(`No object at ${key}`);
  }
}

export class InvalidRangeError extends Error {
  readonly code = 'STORAGE.INVALID_RANGE';
  constructor(
    readonly key: string,
    readonly sizeBytes: number,
  ) {
    super(`The range asked of ${key} starts past its end (${sizeBytes} bytes)`);
  }
}

/** Checks a range against a size and fills in its end. */
export function resolveRange(key: string, range: ByteRange, sizeBytes: number): { start: number; end: number } {
  const end = Math.min(range.end ?? sizeBytes - 1, sizeBytes - 1);
  if (!Number.isInteger(range.start) || range.start < 0 || range.start >= sizeBytes || end < range.start) throw new InvalidRangeError(key, sizeBytes);
  return { start: range.start, end };
}

/** Key order of a listing, the same on both backends: by UTF-16 code unit, which S3's byte order matches for ASCII keys. */
export function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
