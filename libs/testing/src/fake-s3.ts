import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * A small S3-compatible server on 127.0.0.1 for tests: path-style addressing, Signature V4 checked
 * on every request (headers or presigned query, expiry included), and the operations the object
 * store uses: HeadBucket, ListObjectsV2, Put/Get/Head/Delete/CopyObject, DeleteObjects, multipart
 * upload (create, part, part copy, complete, abort) and ranged GETs. Bodies are streamed to files
 * under a temp folder, so gigabyte objects cost no memory.
 *
 * Why not an npm S3 emulator: the ones that install without native code accept any V4 signature,
 * so a tampered presigned URL would pass, and the point of a signed URL is that it does not.
 */
export interface FakeS3Options {
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  buckets?: string[];
}

export interface FakeS3 {
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Keys stored in a bucket, sorted. */
  keys(bucket: string): string[];
  /** Requests received, by operation name (`UploadPart`, ...); `PutObject` counts only the uploads that completed. */
  readonly operations: Record<string, number>;
  /** Client connections open now (a killed client's close once the server has read what it sent). */
  connections(): Promise<number>;
  createBucket(name: string): void;
  close(): Promise<void>;
}

interface StoredObject {
  /** The bytes, in order: one file, or the parts of a multipart upload as they came (S3 does not copy them either). */
  files: { file: string; size: number }[];
  size: number;
  etag: string;
  contentType: string;
  metadata: Record<string, string>;
  modifiedAt: Date;
}

interface Upload {
  bucket: string;
  key: string;
  contentType: string;
  metadata: Record<string, string>;
  parts: Map<number, { file: string; size: number; etag: string }>;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MIN_PART_SIZE = 5 * 1024 * 1024;

/** RFC 3986 encoding, as Signature V4 canonicalises query strings. */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function xmlEscape(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function xmlUnescape(value: string): string {
  return value.replace(/&(lt|gt|amp|apos|quot);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' })[e]!);
}

/** The bytes of an object, or a range of them, read across its files. */
function readObject(object: StoredObject, range?: { start: number; end: number }): Readable {
  const start = range?.start ?? 0;
  const end = range?.end ?? object.size - 1;
  return Readable.from(
    (async function* () {
      let offset = 0;
      for (const part of object.files) {
        const from = Math.max(start, offset);
        const to = Math.min(end, offset + part.size - 1);
        if (from <= to) yield* createReadStream(part.file, { start: from - offset, end: to - offset });
        offset += part.size;
      }
    })(),
  );
}

/** Deletes the files of an object that a newer version (a copy onto itself) no longer uses. */
async function removeFiles(object: StoredObject, keep?: StoredObject): Promise<void> {
  const kept = new Set(keep?.files.map((f) => f.file));
  for (const f of object.files) if (!kept.has(f.file)) await rm(f.file, { force: true });
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` against a size; undefined when absent; throws 416 when unsatisfiable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
  return { start, end };
}

export async function startFakeS3(options: FakeS3Options = {}): Promise<FakeS3> {
  const accessKeyId = options.accessKeyId ?? 'LEAPTESTKEY';
  const secretAccessKey = options.secretAccessKey ?? 'leap-test-secret-access-key';
  const region = options.region ?? 'us-east-1';
  const root = await mkdtemp(join(tmpdir(), 'leap-fake-s3-'));
  const buckets = new Map<string, Map<string, StoredObject>>();
  const uploads = new Map<string, Upload>();
  const operations: Record<string, number> = {};
  const count = (op: string) => (operations[op] = (operations[op] ?? 0) + 1);
  for (const b of options.buckets ?? []) buckets.set(b, new Map());

  function verifySignature(req: IncomingMessage, url: URL, rawPath: string): void {
    const query = [...url.searchParams.entries()];
    let credential: string;
    let signedHeaders: string[];
    let signature: string;
    let amzDate: string;
    let payloadHash: string;
    const auth = req.headers.authorization;
    if (auth) {
      const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
      if (!m) throw new S3Error(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed');
      [credential, signedHeaders, signature] = [m[1]!, m[2]!.split(';'), m[3]!];
      amzDate = String(req.headers['x-amz-date'] ?? '');
      payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
      if (!payloadHash) throw new S3Error(400, 'InvalidRequest', 'Missing x-amz-content-sha256');
    } else if (url.searchParams.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
      credential = url.searchParams.get('X-Amz-Credential') ?? '';
      signedHeaders = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
      signature = url.searchParams.get('X-Amz-Signature') ?? '';
      amzDate = url.searchParams.get('X-Amz-Date') ?? '';
      payloadHash = 'UNSIGNED-PAYLOAD';
      const expires = Number(url.searchParams.get('X-Amz-Expires'));
      const signedAt = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
      if (!Number.isFinite(expires) || !Number.isFinite(signedAt)) throw new S3Error(403, 'AccessDenied', 'Invalid presigned URL');
      if (Date.now() > signedAt + expires * 1000) throw new S3Error(403, 'AccessDenied', 'Request has expired');
    } else {
      throw new S3Error(403, 'AccessDenied', 'Anonymous access is not allowed');
    }
    const [keyId, date, scopeRegion, service, terminator] = credential.split('/');
    if (keyId !== accessKeyId) throw new S3Error(403, 'InvalidAccessKeyId', 'The access key id does not exist');
    if (scopeRegion !== region || service !== 's3' || terminator !== 'aws4_request') throw new S3Error(403, 'SignatureDoesNotMatch', 'Bad credential scope');
    const canonicalQuery = query
      .filter(([k]) => k !== 'X-Amz-Signature')
      .map(([k, v]) => [encode(k), encode(v)] as const)
      .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    const canonicalHeaders = signedHeaders
      .map((h) => {
        const value = req.headers[h];
        const text = Array.isArray(value) ? value.join(',') : (value ?? '');
        return `${h}:${String(text).trim().replace(/\s+/g, ' ')}\n`;
      })
      .join('');
    const canonicalRequest = [req.method, rawPath, canonicalQuery, canonicalHeaders, signedHeaders.join(';'), payloadHash].join('\n');
    const scope = `${date}/${scopeRegion}/s3/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
    const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date!), scopeRegion!), 's3'), 'aws4_request');
    const expected = hmac(key, stringToSign).toString('hex');
    if (signature.length !== 64 || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
      throw new S3Error(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided');
    }
  }

  function bucketOf(name: string): Map<string, StoredObject> {
    const bucket = buckets.get(name);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    return bucket;
  }

  function objectOf(bucket: string, key: string): StoredObject {
    const object = bucketOf(bucket).get(key);
    if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    return object;
  }

  function metadataOf(req: IncomingMessage): Record<string, string> {
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (name.startsWith('x-amz-meta-')) metadata[name.slice(11)] = String(value);
    return metadata;
  }

  /** Streams the request body to a new file; checks a signed payload hash; returns size and MD5. */
  async function receive(req: IncomingMessage): Promise<{ file: string; size: number; md5: string }> {
    const declared = String(req.headers['x-amz-content-sha256'] ?? '');
    if (declared.startsWith('STREAMING-')) throw new S3Error(501, 'NotImplemented', 'aws-chunked uploads are not supported here');
    const file = join(root, randomUUID());
    const md5 = createHash('md5');
    const sha = createHash('sha256');
    let size = 0;
    await pipeline(
      req,
      new Transform({
        transform(chunk: Buffer, _e, done) {
          md5.update(chunk);
          sha.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(file),
    );
    if (/^[0-9a-f]{64}$/.test(declared) && sha.digest('hex') !== declared) {
      await rm(file, { force: true });
      throw new S3Error(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed');
    }
    return { file, size, md5: md5.digest('hex') };
  }

  async function store(bucket: string, key: string, object: StoredObject): Promise<void> {
    const objects = bucketOf(bucket);
    const previous = objects.get(key);
    objects.set(key, object);
    if (previous) await removeFiles(previous, object);
  }

  function sendXml(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    const text = `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  function objectHeaders(object: StoredObject): Record<string, string> {
    const headers: Record<string, string> = {
      etag: object.etag,
      'last-modified': object.modifiedAt.toUTCString(),
      'content-type': object.contentType,
      'accept-ranges': 'bytes',
    };
    for (const [k, v] of Object.entries(object.metadata)) headers[`x-amz-meta-${k}`] = v;
    return headers;
  }

  function copySource(req: IncomingMessage): { bucket: string; key: string } {
    const source = decodeURIComponent(String(req.headers['x-amz-copy-source']).split('?')[0]!.replace(/^\//, ''));
    const slash = source.indexOf('/');
    return { bucket: source.slice(0, slash), key: source.slice(slash + 1) };
  }

  async function copyRange(from: StoredObject, range: { start: number; end: number } | undefined): Promise<{ file: string; size: number; md5: string }> {
    const file = join(root, randomUUID());
    const md5 = createHash('md5');
    let size = 0;
    await pipeline(
      readObject(from, range),
      new Transform({
        transform(chunk: Buffer, _e, done) {
          md5.update(chunk);
          size += chunk.length;
          done(null, chunk);
        },
      }),
      createWriteStream(file),
    );
    return { file, size, md5: md5.digest('hex') };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rawPath = (req.url ?? '/').split('?')[0]!;
    verifySignature(req, url, rawPath);
    const path = decodeURIComponent(rawPath).replace(/^\//, '');
    const slash = path.indexOf('/');
    const bucket = slash < 0 ? path : path.slice(0, slash);
    const key = slash < 0 ? '' : path.slice(slash + 1);
    const q = url.searchParams;
    const method = req.method ?? 'GET';

    if (!key) {
      if (method === 'HEAD') {
        count('HeadBucket');
        bucketOf(bucket);
        res.writeHead(200).end();
        return;
      }
      if (method === 'GET' && q.get('list-type') === '2') {
        count('ListObjectsV2');
        const prefix = q.get('prefix') ?? '';
        const max = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
        const after = q.get('continuation-token') ?? q.get('start-after') ?? '';
        const all = [...bucketOf(bucket).entries()].filter(([k]) => k.startsWith(prefix) && k > after).sort(([a], [b]) => (a < b ? -1 : 1));
        const page = all.slice(0, max);
        const truncated = all.length > max;
        const contents = page
          .map(([k, o]) => `<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.modifiedAt.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
          .join('');
        const next = truncated ? `<NextContinuationToken>${xmlEscape(page[page.length - 1]![0])}</NextContinuationToken>` : '';
        sendXml(res, 200, `<ListBucketResult><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${contents}</ListBucketResult>`);
        return;
      }
      if (method === 'POST' && q.has('delete')) {
        count('DeleteObjects');
        const body = await readBody(req);
        const objects = bucketOf(bucket);
        const deleted: string[] = [];
        for (const m of body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)) {
          const k = xmlUnescape(m[1]!);
          const object = objects.get(k);
          objects.delete(k);
          if (object) await removeFiles(object);
          deleted.push(`<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`);
        }
        sendXml(res, 200, `<DeleteResult>${deleted.join('')}</DeleteResult>`);
        return;
      }
      throw new S3Error(501, 'NotImplemented', `${method} on a bucket is not implemented here`);
    }

    if (method === 'POST' && q.has('uploads')) {
      count('CreateMultipartUpload');
      bucketOf(bucket);
      const uploadId = randomUUID();
      uploads.set(uploadId, { bucket, key, contentType: String(req.headers['content-type'] ?? 'application/octet-stream'), metadata: metadataOf(req), parts: new Map() });
      sendXml(res, 200, `<InitiateMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${uploadId}</UploadId></InitiateMultipartUploadResult>`);
      return;
    }
    const uploadId = q.get('uploadId');
    const upload = uploadId ? uploads.get(uploadId) : undefined;
    if (uploadId && (!upload || upload.bucket !== bucket || upload.key !== key)) throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist');

    if (method === 'PUT' && upload) {
      const partNumber = Number(q.get('partNumber'));
      if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10000) throw new S3Error(400, 'InvalidArgument', 'Part number must be 1-10000');
      let part: { file: string; size: number; md5: string };
      if (req.headers['x-amz-copy-source']) {
        count('UploadPartCopy');
        const source = copySource(req);
        const from = objectOf(source.bucket, source.key);
        const rangeHeader = req.headers['x-amz-copy-source-range'] as string | undefined;
        part = await copyRange(from, parseRange(rangeHeader, from.size));
        await readBody(req);
      } else {
        count('UploadPart');
        part = await receive(req);
      }
      const previous = upload.parts.get(partNumber);
      if (previous) await rm(previous.file, { force: true });
      upload.parts.set(partNumber, { file: part.file, size: part.size, etag: `"${part.md5}"` });
      if (req.headers['x-amz-copy-source']) sendXml(res, 200, `<CopyPartResult><ETag>"${part.md5}"</ETag><LastModified>${new Date().toISOString()}</LastModified></CopyPartResult>`);
      else res.writeHead(200, { etag: `"${part.md5}"` }).end();
      return;
    }
    if (method === 'POST' && upload) {
      count('CompleteMultipartUpload');
      const body = await readBody(req);
      const listed = [...body.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1]!)?.[1]));
      if (listed.length === 0) throw new S3Error(400, 'MalformedXML', 'No parts listed');
      const parts = listed.map((n, i) => {
        const part = upload.parts.get(n);
        if (!part || (i > 0 && n <= listed[i - 1]!)) throw new S3Error(400, 'InvalidPart', `Part ${n} is missing or out of order`);
        if (i < listed.length - 1 && part.size < MIN_PART_SIZE) throw new S3Error(400, 'EntityTooSmall', `Part ${n} is smaller than 5 MiB`);
        return part;
      });
      const size = parts.reduce((n, p) => n + p.size, 0);
      const etag = `"${createHash('md5').update(Buffer.concat(parts.map((p) => Buffer.from(p.etag.replace(/"/g, ''), 'hex')))).digest('hex')}-${parts.length}"`;
      const used = new Set(parts.map((p) => p.file));
      for (const part of upload.parts.values()) if (!used.has(part.file)) await rm(part.file, { force: true });
      uploads.delete(uploadId!);
      await store(bucket, key, { files: parts.map(({ file, size: partSize }) => ({ file, size: partSize })), size, etag, contentType: upload.contentType, metadata: upload.metadata, modifiedAt: new Date() });
      sendXml(res, 200, `<CompleteMultipartUploadResult><Bucket>${bucket}</Bucket><Key>${xmlEscape(key)}</Key><ETag>${xmlEscape(etag)}</ETag></CompleteMultipartUploadResult>`);
      return;
    }
    if (method === 'DELETE' && upload) {
      count('AbortMultipartUpload');
      for (const part of upload.parts.values()) await rm(part.file, { force: true });
      uploads.delete(uploadId!);
      res.writeHead(204).end();
      return;
    }

    if (method === 'PUT' && req.headers['x-amz-copy-source']) {
      count('CopyObject');
      const source = copySource(req);
      const from = objectOf(source.bucket, source.key);
      await readBody(req);
      const replace = String(req.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase() === 'REPLACE';
      if (from.size > 5 * 1024 ** 3) throw new S3Error(400, 'InvalidRequest', 'The specified copy source is larger than the maximum allowable size for a copy source: 5368709120');
      // Onto itself only the metadata changes; another key gets its own copy of the bytes.
      const files = source.bucket === bucket && source.key === key ? from.files : [await copyRange(from, undefined)].map(({ file, size }) => ({ file, size }));
      const object: StoredObject = {
        files,
        size: from.size,
        etag: from.etag,
        contentType: replace ? String(req.headers['content-type'] ?? 'application/octet-stream') : from.contentType,
        metadata: replace ? metadataOf(req) : { ...from.metadata },
        modifiedAt: new Date(),
      };
      await store(bucket, key, object);
      sendXml(res, 200, `<CopyObjectResult><ETag>${xmlEscape(object.etag)}</ETag><LastModified>${object.modifiedAt.toISOString()}</LastModified></CopyObjectResult>`);
      return;
    }
    if (method === 'PUT') {
      bucketOf(bucket);
      const body = await receive(req);
      const object: StoredObject = {
        files: [{ file: body.file, size: body.size }],
        size: body.size,
        etag: `"${body.md5}"`,
        contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        metadata: metadataOf(req),
        modifiedAt: new Date(),
      };
      await store(bucket, key, object);
      count('PutObject');
      res.writeHead(200, { etag: object.etag }).end();
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      count(method === 'GET' ? 'GetObject' : 'HeadObject');
      const object = objectOf(bucket, key);
      const range = method === 'GET' ? parseRange(req.headers.range, object.size) : undefined;
      const headers = objectHeaders(object);
      const disposition = q.get('response-content-disposition');
      if (disposition) headers['content-disposition'] = disposition;
      if (range) {
        headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
        headers['content-length'] = String(range.end - range.start + 1);
      } else headers['content-length'] = String(object.size);
      res.writeHead(range ? 206 : 200, headers);
      if (method === 'HEAD') {
        res.end();
        return;
      }
      await pipeline(readObject(object, range), res);
      return;
    }
    if (method === 'DELETE') {
      count('DeleteObject');
      const objects = bucketOf(bucket);
      const object = objects.get(key);
      objects.delete(key);
      if (object) await removeFiles(object);
      res.writeHead(204).end();
      return;
    }
    throw new S3Error(501, 'NotImplemented', `${method} is not implemented here`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const e = error instanceof S3Error ? error : new S3Error(500, 'InternalError', (error as Error).message);
      req.resume();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (req.method === 'HEAD') res.writeHead(e.status).end();
      else sendXml(res, e.status, `<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error>`);
    });
  });
  await mkdir(root, { recursive: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    region,
    accessKeyId,
    secretAccessKey,
    operations,
    keys: (name) => [...bucketOf(name).keys()].sort(),
    createBucket: (name) => void (buckets.has(name) || buckets.set(name, new Map())),
    connections: () => new Promise<number>((resolve, reject) => server.getConnections((error, n) => (error ? reject(error) : resolve(n)))),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

