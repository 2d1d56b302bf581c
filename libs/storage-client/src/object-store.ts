import type { Readable } from 'node:stream';

export interface StoredObject {
  key: string;
  sizeBytes: number;
  /** Hex SHA-256 of the content. */
  checksumSha256: string;
  contentType?: string;
}

export interface ObjectInfo {
  key: string;
  sizeBytes: number;
  modifiedAt: Date;
}

/**
 * The object store every service reads and writes through: local disk or S3, same keys.
 * Writes are atomic (an object is either absent or complete) and report size and checksum.
 */
export interface ObjectStore {
  readonly backend: 'local' | 's3';
  put(key: string, body: Buffer | string | Readable, options?: { contentType?: string }): Promise<StoredObject>;
  /** Upload a local file (media after ffmpeg). */
  putFile(key: string, path: string, options?: { contentType?: string }): Promise<StoredObject>;
  get(key: string): Promise<Readable>;
  getBuffer(key: string): Promise<Buffer>;
  /** Download to a local file (for ffmpeg and recognisers); creates parent folders. */
  getToFile(key: string, path: string): Promise<void>;
  head(key: string): Promise<ObjectInfo | undefined>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  /** Delete every object under a prefix; returns how many and how many bytes. */
  deletePrefix(prefix: string): Promise<{ count: number; bytes: number }>;
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Readiness: throws when the store is unreachable. */
  ping(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  readonly code = 'STORAGE.NOT_FOUND';
  constructor(readonly key: string) {
    super(`No object at ${key}`);
  }
}
