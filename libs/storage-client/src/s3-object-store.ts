import { checksumMeter } from './checksum-meter';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertSafeKey } from './keys';
import { byKey, InvalidRangeError, ObjectNotFoundError, type ByteRange, type ObjectInfo, type ObjectStore, type StoredObject } from './object-store';

/** The metadata entry (`x-amz-meta-sha256`) holding an object's hex SHA-256. */
export const CHECKSUM_METADATA = 'sha256';

const MIB = 1024 * 1024;
/** S3's limit for a single CopyObject. */
const MAX_SINGLE_COPY = 5 * 1024 * MIB;

export interface S3ObjectStoreOptions {
  bucket: string;
  region: string;
  /** MinIO, another S3-compatible store or a regional endpoint; the SDK's default when absent. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Put before every key (`leap/` gives `leap/users/...`); empty by default. */
  prefix?: string;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (MinIO and most S3-compatible stores). */
  forcePathStyle?: boolean;
  /** Endpoint written into presigned URLs when clients reach the store by another address than the services do. */
  publicEndpoint?: string;
  /** Objects larger than this go up in parts of this size (S3's minimum is 5 MiB). Default 8 MiB. */
  partSize?: number;
  /** Parts in flight at once; memory is about `partSize * queueSize`. Default 4. */
  queueSize?: number;
  /** Above this size the checksum is attached by a multipart copy instead of one CopyObject. Default 5 GiB (S3's limit). */
  maxSingleCopyBytes?: number;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** `leap`, `/leap/`, `leap/` -> `leap/`; empty stays empty. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed ? assertSafeKey(`${trimmed}/`) : '';
}

/**
 * Objects in an S3 bucket under the same keys as on local disk (behind an optional prefix).
 *
 * Writes are atomic as S3 makes them: an object appears whole when its PutObject or its multipart
 * upload completes, and a failed multipart upload is aborted. The SHA-256 is computed while the
 * bytes stream through and kept as the object's `sha256` metadata: small objects are read into one
 * part first so it goes with the PutObject; a file is hashed before its upload; a large stream is
 * uploaded in parts (memory stays at `partSize * queueSize`) and gets its checksum by a copy onto
 * itself, done inside S3.
 */
export class S3ObjectStore implements ObjectStore {
  readonly backend = 's3' as const;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly presigner: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly maxSingleCopy: number;

  constructor(options: S3ObjectStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix);
    this.partSize = Math.max(options.partSize ?? 8 * MIB, 5 * MIB);
    this.queueSize = options.queueSize ?? 4;
    this.maxSingleCopy = options.maxSingleCopyBytes ?? MAX_SINGLE_COPY;
    const common = {
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // Checksums only where S3 requires them: S3-compatible stores do not all accept the SDK's
      // default trailing CRC32 on uploads; integrity is the SHA-256 this store records.
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
    };
    this.client = new S3Client({ ...common, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    const publicEndpoint = options.publicEndpoint ?? options.endpoint;
    this.presigner = publicEndpoint === options.endpoint ? this.client : new S3Client({ ...common, ...(publicEndpoint ? { endpoint: publicEndpoint } : {}) });
  }

  private objectKey(key: string): string {
    return `${this.prefix}${assertSafeKey(key)}`;
  }

  async put(key: string, body: Buffer | string | Readable, options: { contentType?: string } = {}): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    if (typeof body === 'string' || Buffer.isBuffer(body)) return this.putSmall(key, objectKey, Buffer.from(body), options.contentType);
    const { head, rest } = await readUpTo(body, this.partSize + 1);
    if (!rest) return this.putSmall(key, objectKey, head, options.contentType);

    const meter = checksumMeter();
    const source = Readable.from(prepend(head, rest));
    const feeding = pipeline(source, meter.stream);
    feeding.catch(() => undefined);
    try {
      await this.upload(objectKey, meter.stream, options.contentType, undefined);
      await feeding;
    } catch (error) {
      // A failed upload has been aborted; stop reading the caller's stream too.
      source.destroy();
      body.destroy();
      throw error;
    }
    const checksum = meter.checksum();
    await this.attachChecksum(objectKey, meter.size(), checksum, options.contentType);
    return { key, sizeBytes: meter.size(), checksumSha256: checksum, contentType: options.contentType };
  }

  async putFile(key: string, path: string, options: { contentType?: string } = {}): Promise<StoredObject> {
    const objectKey = this.objectKey(key);
    const { size } = await stat(path);
    if (size <= this.partSize) return this.putSmall(key, objectKey, await readFile(path), options.contentType);
    // The file is on disk: hash it first, so the checksum goes up with the object.
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    const checksum = hash.digest('hex');
    await this.upload(objectKey, createReadStream(path), options.contentType, checksum);
    return { key, sizeBytes: size, checksumSha256: checksum, contentType: options.contentType };
  }

  async get(key: string, options: { range?: ByteRange } = {}): Promise<Readable> {
    const range = options.range;
    if (range && (!Number.isInteger(range.start) || range.start < 0 || (range.end !== undefined && range.end < range.start))) {
      throw new InvalidRangeError(key, (await this.head(key))?.sizeBytes ?? 0);
    }
    try {
      const answer = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined }),
      );
      return answer.Body as Readable;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 416) {
        throw new InvalidRangeError(key, (await this.head(key))?.sizeBytes ?? 0);
      }
      throw error;
    }
  }

  async getBuffer(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async getToFile(key: string, path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.${Date.now()}.partial`;
    try {
      await pipeline(await this.get(key), createWriteStream(temp));
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      const checksum = answer.Metadata?.[CHECKSUM_METADATA];
      return {
        key,
        sizeBytes: answer.ContentLength ?? 0,
        modifiedAt: answer.LastModified ?? new Date(0),
        ...(checksum ? { checksumSha256: checksum } : {}),
        ...(answer.ContentType ? { contentType: answer.ContentType } : {}),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<boolean> {
    const existed = await this.exists(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    return existed;
  }

  async deletePrefix(prefix: string): Promise<{ count: number; bytes: number }> {
    const objects = await this.list(prefix);
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000);
      const answer = await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((o) => ({ Key: this.objectKey(o.key) })), Quiet: true } }),
      );
      if (answer.Errors?.length) throw new Error(`S3 refused to delete ${answer.Errors.length} object(s) under ${prefix}: ${answer.Errors[0]?.Code} ${answer.Errors[0]?.Message}`);
    }
    return { count: objects.length, bytes: objects.reduce((n, o) => n + o.sizeBytes, 0) };
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const fullPrefix = prefix ? this.objectKey(prefix) : this.prefix;
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: fullPrefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        out.push({ key: o.Key.slice(this.prefix.length), sizeBytes: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort(byKey);
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** A URL that downloads the object with a plain GET until `expiresInSeconds` have passed (S3 allows up to 7 days). */
  async presignedGetUrl(key: string, expiresInSeconds: number, options: { downloadName?: string } = {}): Promise<string> {
    const disposition = options.downloadName ? `inline; filename="${options.downloadName.replace(/["\\\r\n]/g, '_')}"` : undefined;
    return getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), ResponseContentDisposition: disposition }), {
      expiresIn: expiresInSeconds,
    });
  }

  /** Releases the HTTP connections. */
  close(): void {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }

  private async putSmall(key: string, objectKey: string, body: Buffer, contentType: string | undefined): Promise<StoredObject> {
    const checksum = createHash('sha256').update(body).digest('hex');
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: objectKey, Body: body, ContentLength: body.length, ContentType: contentType, Metadata: { [CHECKSUM_METADATA]: checksum } }),
    );
    return { key, sizeBytes: body.length, checksumSha256: checksum, contentType };
  }

  private async upload(objectKey: string, body: Readable, contentType: string | undefined, checksum: string | undefined): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: body, ContentType: contentType, Metadata: checksum ? { [CHECKSUM_METADATA]: checksum } : undefined },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  /** Sets the checksum metadata of an object already uploaded, by copying it onto itself inside S3. */
  private async attachChecksum(objectKey: string, size: number, checksum: string, contentType: string | undefined): Promise<void> {
    const source = `${this.bucket}/${objectKey.split('/').map(encodeURIComponent).join('/')}`;
    const metadata = { [CHECKSUM_METADATA]: checksum };
    if (size <= this.maxSingleCopy) {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: objectKey, CopySource: source, MetadataDirective: 'REPLACE', Metadata: metadata, ContentType: contentType }),
      );
      return;
    }
    const { UploadId } = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, ContentType: contentType, Metadata: metadata }));
    try {
      const partSize = Math.max(this.partSize, Math.ceil(size / 10_000), Math.min(this.maxSingleCopy, 512 * MIB));
      const parts: { ETag?: string; PartNumber: number }[] = [];
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const end = Math.min(start + partSize, size) - 1;
        const answer = await this.client.send(
          new UploadPartCopyCommand({ Bucket: this.bucket, Key: objectKey, UploadId, PartNumber: n, CopySource: source, CopySourceRange: `bytes=${start}-${end}` }),
        );
        parts.push({ ETag: answer.CopyPartResult?.ETag, PartNumber: n });
      }
      await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (error) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: objectKey, UploadId })).catch(() => undefined);
      throw error;
    }
  }
}

/** Reads from a stream until more than `limit` bytes or its end; `rest` iterates what is left, absent when the stream ended. */
async function readUpTo(stream: Readable, limit: number): Promise<{ head: Buffer; rest?: AsyncIterator<unknown> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = stream[Symbol.asyncIterator]();
  while (size < limit) {
    const next = await iterator.next();
    if (next.done) return { head: Buffer.concat(chunks) };
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
    chunks.push(chunk);
    size += chunk.length;
  }
  return { head: Buffer.concat(chunks), rest: iterator };
}

/** The bytes already read, then the rest of the stream. */
async function* prepend(head: Buffer, rest: AsyncIterator<unknown>): AsyncGenerator<Buffer> {
  yield head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) {
    yield Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as string);
  }
}
