import { Inject, Injectable } from '@nestjs/common';
import { mkdir, open, stat, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import { FileStore } from '@tus/file-store';
import { Metadata } from '@tus/utils';
import { v7 as uuidv7 } from 'uuid';
import type { Logger } from 'winston';
import { LeapError } from '@leap/errors';
import { MessageBus } from '@leap/messaging';
import { OBJECT_STORE, SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import type { GatewayConfig } from '../config/config.schema';
import { validationError } from '../common/problem-details';
import { baseName, matchesContainer, SNIFF_BYTES, UPLOAD_TYPES, uploadTypeOf } from '../recordings/media-type';
import { QuotaClient } from '../recordings/quota-client.service';
import { RecordingsRepository } from '../recordings/recordings.repository';
import { registerStoredUpload } from '../recordings/register-upload';
import { checkFilename, TITLE_MAX, unsupported } from '../recordings/upload.service';
import { alreadyComplete, notStored, tusVersionUnsupported, uploadExpired, uploadNotFound } from './problems';
import { ResumableUploadsRepository, type ResumableUploadRow } from './resumable-uploads.repository';
import { GatewayTusServer } from './tus-server';
import { UploadInfoStore } from './upload-info.store';

/** Where the tus routes live; an upload's URL is this path and its id. */
export const UPLOADS_PATH = '/api/v1/uploads';

/** Response header naming the recording a finished upload became. */
export const RECORDING_HEADER = 'Leap-Recording-Id';

/** The tus extensions the gateway speaks (creation-defer-length and concatenation are left out: admission needs the length). */
export const TUS_EXTENSIONS = ['creation', 'creation-with-upload', 'termination', 'expiration'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGITS = /^\d{1,16}$/;

/** The id the route admitted, for tus's naming function and id lookup. */
const ADMITTED_ID = Symbol('leap:upload-id');
type AdmittedRequest = IncomingMessage & { [ADMITTED_ID]?: string };

type UploadsConfig = Pick<GatewayConfig, 'UPLOAD_MAX_BYTES' | 'UPLOAD_RESUMABLE_DIR' | 'UPLOAD_RESUMABLE_EXPIRY'>;

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Media types a browser or client may give for a recording: audio or video, or nothing in particular. */
function acceptableFiletype(filetype: string | null | undefined): boolean {
  if (!filetype) return true;
  const type = filetype.split(';')[0]!.trim().toLowerCase();
  return type === '' || type === 'application/octet-stream' || /^(video|audio)\/[\w.+-]+$/.test(type);
}

/**
 * Resumable uploads through the tus protocol (1.0: creation, creation-with-upload, termination,
 * expiration). Admission at creation applies the direct upload's rules to `Upload-Length` and the
 * metadata (name and type, size limit, quota); the bytes go to a file of their own in
 * UPLOAD_RESUMABLE_DIR; the finished file is sniffed, put at the recording's source key and
 * registered exactly as a direct upload is. The state of each upload is its row, so uploads survive
 * a restart; an unfinished one is removed after UPLOAD_RESUMABLE_EXPIRY (ResumableUploadsSweep).
 *
 * @tus/server 1.x serves the protocol: it is CommonJS like the services (2.x is ESM-only, which
 * neither the services' module setting nor their Jest transform loads) and works on Node's own
 * request and response, which Nest hands over as they are.
 */
@Injectable()
export class ResumableUploadsService {
  readonly directory: string;
  private server?: GatewayTusServer;
  /** Finishes under way in this process, by upload id: a HEAD racing the last PATCH waits for it. */
  private readonly finishing = new Map<string, Promise<string>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: UploadsConfig,
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly uploads: ResumableUploadsRepository,
    private readonly recordings: RecordingsRepository,
    private readonly quota: QuotaClient,
    private readonly bus: MessageBus,
  ) {
    this.directory = resolve(config.UPLOAD_RESUMABLE_DIR);
  }

  /**
   * The tus server, made on first use once the upload folder exists. (tus's file store creates its
   * folder from its constructor, where a folder that cannot be made would crash the process; here
   * it fails the request instead, and the next one tries again.)
   */
  private async tus(): Promise<GatewayTusServer> {
    if (this.server) return this.server;
    await mkdir(this.directory, { recursive: true });
    const datastore = new FileStore({
      directory: this.directory,
      configstore: new UploadInfoStore(this.uploads),
      expirationPeriodInMilliseconds: this.config.UPLOAD_RESUMABLE_EXPIRY,
    });
    datastore.extensions = TUS_EXTENSIONS;
    this.server ??= new GatewayTusServer({
      path: UPLOADS_PATH,
      datastore,
      relativeLocation: true,
      maxSize: this.config.UPLOAD_MAX_BYTES,
      namingFunction: (req) => (req as AdmittedRequest)[ADMITTED_ID]!,
      getFileIdFromRequest: (req) => (req as AdmittedRequest)[ADMITTED_ID],
      onUploadFinish: async (_req, res, upload) => {
        const recordingId = await this.finish(upload.id);
        return { res, headers: { [RECORDING_HEADER]: recordingId } };
      },
    });
    return this.server;
  }

  /** `OPTIONS`: the tus version, extensions and largest size the server takes. */
  async discover(request: IncomingMessage, response: ServerResponse): Promise<void> {
    await (await this.tus()).handle(request, response);
  }

  /**
   * `POST`: admits a new upload of `userId` from its `Upload-Length` and `Upload-Metadata`
   * (`filename` or `name`, `filetype` or `type`, `title`), reserves quota, then lets tus create it
   * (with the first bytes when the client sends them along). 201 with `Location`.
   */
  async create(request: IncomingMessage, response: ServerResponse, userId: string): Promise<void> {
    this.requireTusVersion(request);
    const admitted = this.admit(request);
    const tus = await this.tus();
    const id = uuidv7();
    const reservationId = await this.quota.reserveRecording(userId, `tus:${id}`);
    const now = new Date();
    await this.uploads.insert({
      id,
      userId,
      recordingId: uuidv7(),
      ...admitted,
      reservationId: reservationId ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.UPLOAD_RESUMABLE_EXPIRY),
    });
    (request as AdmittedRequest)[ADMITTED_ID] = id;
    try {
      await tus.handle(request, response);
    } catch (error) {
      // Not created (or a first chunk that failed): nothing of it stays, unless it already became a recording.
      const row = await this.uploads.find(id);
      if (row?.state === 'RECEIVING') await this.discard(row, 'upload not created');
      throw error;
    }
  }

  /** `HEAD`: where the upload stands. A complete upload not yet registered (the gateway stopped in between) is finished first. */
  async status(request: IncomingMessage, response: ServerResponse, userId: string, id: string): Promise<void> {
    let row = await this.owned(userId, id);
    this.requireTusVersion(request);
    if (row.state === 'RECEIVING' && (await this.bytesOnDisk(id)) === row.sizeBytes) {
      await this.finish(id);
      row = (await this.uploads.find(id)) ?? row;
    }
    if (row.state === 'COMPLETED') return this.answerCompleted(response, row);
    this.refuseExpired(row);
    (request as AdmittedRequest)[ADMITTED_ID] = id;
    await (await this.tus()).handle(request, response);
  }

  /** `PATCH`: appends the body at `Upload-Offset`; the last bytes turn the upload into a recording. */
  async append(request: IncomingMessage, response: ServerResponse, userId: string, id: string): Promise<void> {
    const row = await this.owned(userId, id);
    this.requireTusVersion(request);
    if (row.state === 'COMPLETED') throw alreadyComplete(id, row.recordingId);
    this.refuseExpired(row);
    const type = (header(request, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/offset+octet-stream') {
      throw new LeapError('REQUEST.UNSUPPORTED_MEDIA_TYPE', `A PATCH carries the next bytes as application/offset+octet-stream; got ${type ? `"${type}"` : 'no Content-Type'}`, {
        status: 415,
        details: { accepted: 'application/offset+octet-stream' },
      });
    }
    const offset = header(request, 'upload-offset');
    if (offset === undefined || !DIGITS.test(offset)) throw validationError([{ field: 'Upload-Offset', message: 'must be the number of bytes already uploaded' }]);
    if (header(request, 'upload-length') !== undefined) throw validationError([{ field: 'Upload-Length', message: 'is set once, when the upload is created' }]);
    (request as AdmittedRequest)[ADMITTED_ID] = id;
    await (await this.tus()).handle(request, response);
  }

  /** `DELETE` (termination): the bytes and the row go, and the quota reservation is given back. */
  async terminate(request: IncomingMessage, response: ServerResponse, userId: string, id: string): Promise<void> {
    const row = await this.owned(userId, id);
    this.requireTusVersion(request);
    if (row.state === 'COMPLETED') throw alreadyComplete(id, row.recordingId);
    (request as AdmittedRequest)[ADMITTED_ID] = id;
    try {
      await (await this.tus()).handle(request, response);
    } catch (error) {
      // No bytes written yet (or already gone): the upload is removed all the same.
      if (!(error instanceof LeapError && error.code === 'UPLOAD.NOT_FOUND')) throw error;
      await this.uploads.delete(id);
      response.setHeader('Tus-Resumable', '1.0.0');
      response.writeHead(204).end();
    }
    if (row.reservationId) await this.quota.release(userId, row.reservationId, 'upload terminated');
  }

  /**
   * Turns the complete upload `id` into its recording; answers the recording id. Idempotent: a
   * second call (a HEAD after the PATCH, the sweep, another replica) finds it done. The file is
   * sniffed first: one that is not the container its name promises is removed (415).
   */
  finish(id: string): Promise<string> {
    const running = this.finishing.get(id);
    if (running) return running;
    const work = this.finishOnce(id).finally(() => this.finishing.delete(id));
    this.finishing.set(id, work);
    return work;
  }

  private async finishOnce(id: string): Promise<string> {
    const row = await this.uploads.find(id);
    if (!row) throw uploadNotFound(id);
    if (row.state === 'COMPLETED') return row.recordingId;
    const path = this.pathOf(id);
    const type = UPLOAD_TYPES[row.extension]!;
    const head = await readHead(path, SNIFF_BYTES);
    if (head.length === 0 && row.sizeBytes > 0) throw uploadNotFound(id);
    if (!matchesContainer(type, head)) {
      await this.discard(row, 'not the media its name promises');
      throw unsupported(row.filename);
    }
    const key = storageKeys.source(row.userId, row.recordingId, type.extension);
    let stored;
    try {
      stored = await this.store.putFile(key, path, { contentType: type.contentType });
      if (stored.sizeBytes !== row.sizeBytes) throw new Error(`stored ${stored.sizeBytes} bytes of ${row.sizeBytes}`);
    } catch (error) {
      const done = await this.uploads.find(id);
      if (done?.state === 'COMPLETED') return done.recordingId;
      this.logger.warn(`resumable upload ${id} could not be stored: ${(error as Error).message}`);
      throw notStored(error);
    }
    const registered = await this.uploads.transaction(async (manager) => {
      const locked = await this.uploads.lock(manager, id);
      if (!locked) return false;
      if (locked.state === 'COMPLETED') return true;
      await registerStoredUpload(manager, this.recordings, this.bus, {
        recordingId: row.recordingId,
        userId: row.userId,
        filename: row.filename,
        title: row.title,
        type,
        stored,
        reservationId: row.reservationId ?? undefined,
      });
      await this.uploads.markCompleted(manager, id, new Date());
      return true;
    });
    if (!registered) {
      // Terminated or expired while the file was being stored: its object goes too.
      await this.store.delete(key).catch(() => undefined);
      throw uploadNotFound(id);
    }
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') this.logger.warn(`could not remove the finished upload file ${path}: ${error.message}`);
    });
    return row.recordingId;
  }

  /** Removes an unfinished upload: its bytes, its row, and (if the row was still there) its reservation. */
  async discard(row: ResumableUploadRow, reason: string): Promise<void> {
    await unlink(this.pathOf(row.id)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') this.logger.warn(`could not remove upload file ${row.id}: ${error.message}`);
    });
    const deleted = await this.uploads.delete(row.id);
    if (deleted && row.state === 'RECEIVING' && row.reservationId) await this.quota.release(row.userId, row.reservationId, reason);
  }

  /** Bytes of the upload on disk, or undefined when it has no file. */
  async bytesOnDisk(id: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(id))).size;
    } catch {
      return undefined;
    }
  }

  pathOf(id: string): string {
    return join(this.directory, id);
  }

  /** The upload of `userId`, or 404 (unknown, another tenant's, or removed). */
  private async owned(userId: string, id: string): Promise<ResumableUploadRow> {
    const row = UUID.test(id) ? await this.uploads.find(id.toLowerCase()) : undefined;
    if (!row || row.userId !== userId) throw uploadNotFound(id);
    return row;
  }

  private refuseExpired(row: ResumableUploadRow): void {
    if (row.expiresAt.getTime() <= Date.now()) throw uploadExpired(row.id);
  }

  private requireTusVersion(request: IncomingMessage): void {
    if (header(request, 'tus-resumable') !== '1.0.0') throw tusVersionUnsupported();
  }

  /** The checks of a direct upload, on what the creation request announces. */
  private admit(request: IncomingMessage): Pick<ResumableUploadRow, 'filename' | 'extension' | 'contentType' | 'title' | 'sizeBytes' | 'metadata'> {
    if (header(request, 'upload-defer-length') !== undefined) {
      throw validationError([{ field: 'Upload-Defer-Length', message: 'is not supported: send Upload-Length, the size of the file' }]);
    }
    if (header(request, 'upload-concat') !== undefined) throw validationError([{ field: 'Upload-Concat', message: 'is not supported: send the file as one upload' }]);
    const length = header(request, 'upload-length');
    if (length === undefined || !DIGITS.test(length)) throw validationError([{ field: 'Upload-Length', message: 'is required: the size of the file in bytes' }]);
    let metadata: Record<string, string | null>;
    try {
      metadata = Metadata.parse(header(request, 'upload-metadata'));
    } catch {
      throw validationError([{ field: 'Upload-Metadata', message: 'must be comma-separated "key base64(value)" pairs with unique keys' }]);
    }
    // Stored as JSON in PostgreSQL, which takes no NUL character.
    if (Object.entries(metadata).some(([key, value]) => key.includes('\u0000') || value?.includes('\u0000'))) {
      throw validationError([{ field: 'Upload-Metadata', message: 'must not contain NUL characters' }]);
    }
    const filename = metadata.filename ?? metadata.name;
    if (!filename) throw validationError([{ field: 'Upload-Metadata.filename', message: 'is required: the name of the file' }]);
    checkFilename(filename);
    const type = uploadTypeOf(filename);
    if (!type || !acceptableFiletype(metadata.filetype ?? metadata.type)) throw unsupported(filename);
    const sizeBytes = Number(length);
    if (sizeBytes === 0) throw new LeapError('UPLOAD.EMPTY', 'The file is empty', { status: 400 });
    if (sizeBytes > this.config.UPLOAD_MAX_BYTES) {
      throw new LeapError('UPLOAD.TOO_LARGE', `The file is larger than the ${this.config.UPLOAD_MAX_BYTES} bytes allowed`, {
        status: 413,
        details: { maxBytes: this.config.UPLOAD_MAX_BYTES },
      });
    }
    const title = (metadata.title ?? '').trim();
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(title)) throw validationError([{ field: 'Upload-Metadata.title', message: 'must not contain control characters' }]);
    return { filename, extension: type.extension, contentType: type.contentType, title: title.slice(0, TITLE_MAX) || baseName(filename), sizeBytes, metadata };
  }

  /** HEAD of a finished upload: every byte is there, and the recording it became. */
  private answerCompleted(response: ServerResponse, row: ResumableUploadRow): void {
    response.setHeader('Tus-Resumable', '1.0.0');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('Upload-Offset', String(row.sizeBytes));
    response.setHeader('Upload-Length', String(row.sizeBytes));
    response.setHeader('Upload-Metadata', Metadata.stringify(row.metadata));
    response.setHeader(RECORDING_HEADER, row.recordingId);
    response.writeHead(200).end();
  }
}

/** Up to `bytes` bytes from the start of a file (fewer when it is shorter; none when it is missing). */
async function readHead(path: string, bytes: number): Promise<Buffer> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
