import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { v7 as uuidv7 } from 'uuid';
import { LeapError, MessageBus } from '@leap/messaging';
import { OBJECT_STORE, SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { storageKeys, type ObjectStore, type StoredObject } from '@leap/storage-client';
import type { Logger } from 'winston';
import type { GatewayConfig } from '../config/config.schema';
import { validationError } from '../common/problem-details';
import { markReplayed, requestFingerprint, requestPath } from '../idempotency/idempotency-key';
import { answerToReplay, IdempotencyStore, type IdempotencyRecord, type StoredAnswer } from '../idempotency/idempotency.store';
import { keyReused } from '../idempotency/problems';
import { baseName, matchesContainer, SNIFF_BYTES, uploadTypeOf, type UploadType } from './media-type';
import { QuotaClient } from './quota-client.service';
import { RequestAbortedError } from '../http/json-body';
import { RecordingsRepository, type RecordingRow } from './recordings.repository';
import { registerStoredUpload } from './register-upload';
import { OutputPresetsCheck, presetIdsFromField } from './output-presets';

/** The longest title kept. */
export const TITLE_MAX = 300;

interface StoredUpload {
  recordingId: string;
  filename: string;
  type: UploadType;
  stored: StoredObject;
  reservationId?: string;
}

/** A file only read to learn whether it is the one an earlier upload with the same key sent. */
interface HashedUpload {
  filename: string;
  sha256: string;
}

/** The answer of an upload, as an `Idempotency-Key` replays it. */
const UPLOAD_STATUS = 202;

/** What makes two uploads "the same": method, path, the text fields, the file's name and its sha256. */
function uploadFingerprint(request: IncomingMessage, fields: Record<string, string>, filename: string, sha256: string): string {
  return requestFingerprint(request.method ?? 'POST', requestPath(request), { fields, file: { filename, sha256 } });
}

/** The recording row stored as the first answer (JSON), with its dates back. */
function recordingOf(answer: StoredAnswer): RecordingRow {
  if (answer.status !== UPLOAD_STATUS || !answer.body || typeof answer.body !== 'object') throw keyReused();
  const row = answer.body as Record<string, unknown>;
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(String(value)));
  return { ...row, statusChangedAt: date(row.statusChangedAt), deletedAt: date(row.deletedAt), createdAt: date(row.createdAt)!, updatedAt: date(row.updatedAt)! } as RecordingRow;
}

/** The longest file name kept (as most file systems allow). */
export const FILENAME_MAX = 255;

/** A file name the recording can keep: at most FILENAME_MAX characters, no control characters. */
export function checkFilename(filename: string): void {
  if (filename.length > FILENAME_MAX) throw validationError([{ field: 'file', message: `the file name must be at most ${FILENAME_MAX} characters` }]);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(filename)) throw validationError([{ field: 'file', message: 'the file name must not contain control characters' }]);
}

export function unsupported(filename: string): LeapError {
  return new LeapError('UPLOAD.UNSUPPORTED_TYPE', `"${filename}" is not a supported recording (mp4, mov, m4a, webm, mkv, mp3, wav)`, {
    status: 415,
  });
}

/**
 * Reads up to `bytes` bytes from the start of a stream, then gives back a stream of the whole
 * content (the head first) so nothing is buffered beyond the head.
 */
async function splitHead(stream: Readable, bytes: number): Promise<{ head: Buffer; rest: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  const ended = await new Promise<boolean>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) finish(false);
    };
    const onEnd = () => finish(true);
    const finish = (end: boolean) => {
      stream.pause();
      stream.off('data', onData).off('end', onEnd).off('error', reject);
      resolve(end);
    };
    stream.on('data', onData).once('end', onEnd).once('error', reject);
  });
  const head = Buffer.concat(chunks);
  async function* whole() {
    yield head;
    if (!ended) for await (const chunk of stream) yield chunk as Buffer;
  }
  return { head, rest: Readable.from(whole(), { objectMode: false }) };
}

/** Counts bytes through a stream and fails it with 413 `UPLOAD.TOO_LARGE` as soon as it passes `max`. */
function limited(source: Readable, max: number): Readable {
  let seen = 0;
  async function* guard() {
    for await (const chunk of source) {
      seen += (chunk as Buffer).length;
      if (seen > max) throw new LeapError('UPLOAD.TOO_LARGE', `The file is larger than the ${max} bytes allowed`, { status: 413, details: { maxBytes: max } });
      yield chunk as Buffer;
    }
  }
  return Readable.from(guard(), { objectMode: false });
}

/**
 * Direct uploads: a streamed multipart body (fields `title` and `file`) goes straight into the
 * object store at the recording's source key, with constant memory whatever its size. The
 * extension and the container's first bytes are checked before quota is asked and anything is
 * written; any failure leaves no object behind and gives the quota reservation back.
 */
@Injectable()
export class UploadService {
  constructor(
    @Inject(OBJECT_STORE) private readonly store: ObjectStore,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'UPLOAD_MAX_BYTES'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly quota: QuotaClient,
    private readonly recordings: RecordingsRepository,
    private readonly bus: MessageBus,
    private readonly idempotency: IdempotencyStore,
    private readonly presets: OutputPresetsCheck,
  ) {}

  /**
   * Stores the upload and registers the recording. With an `Idempotency-Key` the rules of
   * `@Idempotent()` routes apply, the fingerprint being the fields and the file's sha256: a key
   * that already has an answer only has the file hashed (nothing is stored) and its first
   * recording is answered again, marked as a replay, or 422 for another file. Two uploads racing
   * with one key both store their file; the one registering second drops its object and replays.
   */
  async upload(request: IncomingMessage, userId: string, idempotencyKey?: string): Promise<RecordingRow> {
    const use = idempotencyKey === undefined ? undefined : { scope: userId, key: idempotencyKey, method: request.method ?? 'POST', path: requestPath(request) };
    const earlier = use && (await this.idempotency.find(use.scope, use.key));
    if (earlier) {
      const { file, fields } = await this.receive(request, (stream, filename) => this.hashFile(stream, filename));
      return this.replay(request, earlier, uploadFingerprint(request, fields, file.filename, file.sha256));
    }

    const { file: upload, fields } = await this.receive(request, (stream, filename) => this.storeFile(stream, filename, userId, idempotencyKey ?? uuidv7()));
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(fields.title ?? '')) {
      // The file is stored already (the title may come after it): it goes, and so does its reservation.
      await this.discard(upload.stored.key, userId, upload.reservationId, 'invalid title');
      throw validationError([{ field: 'title', message: 'must not contain control characters' }]);
    }
    let outputPresets;
    try {
      outputPresets = await this.presets.resolve(userId, presetIdsFromField(fields.presetIds));
    } catch (error) {
      // Bad presets create nothing: the stored file goes, and so does its reservation.
      await this.discard(upload.stored.key, userId, upload.reservationId, 'invalid presets');
      throw error;
    }
    const title = (fields.title ?? '').trim().slice(0, TITLE_MAX) || baseName(upload.filename);
    const keyed = use && { ...use, fingerprint: uploadFingerprint(request, fields, upload.filename, upload.stored.checksumSha256) };
    let outcome: { row: RecordingRow } | { earlier: IdempotencyRecord };
    try {
      outcome = await this.recordings.transaction(async (manager) => {
        if (keyed) {
          const claim = await this.idempotency.claim(keyed, manager);
          if (!claim.claimed) return { earlier: claim.existing };
        }
        const row = await registerStoredUpload(manager, this.recordings, this.bus, { ...upload, userId, title, outputPresets });
        if (keyed) await this.idempotency.complete(keyed, { status: UPLOAD_STATUS, headers: { Location: `/api/v1/recordings/${row.id}` }, body: row }, manager);
        return { row };
      });
    } catch (error) {
      await this.discard(upload.stored.key, userId, upload.reservationId, 'registration failed');
      throw error;
    }
    if ('row' in outcome) return outcome.row;
    // Another upload with this key registered first. Quota gave this one the same reservation
    // (reservations are keyed by the same Idempotency-Key), so it stays with the first upload.
    await this.discard(upload.stored.key, userId, undefined, 'duplicate of an idempotent upload');
    return this.replay(request, outcome.earlier, keyed!.fingerprint);
  }

  /** The first upload's recording, for a request with its key and fingerprint; else 422 or 409. */
  private replay(request: IncomingMessage, earlier: IdempotencyRecord, fingerprint: string): RecordingRow {
    const row = recordingOf(answerToReplay(earlier, fingerprint));
    markReplayed(request);
    return row;
  }

  /** Parses the multipart body; resolves once `sink` is done with the file and every field is read. */
  private receive<T>(
    request: IncomingMessage,
    sink: (stream: busboy.FileStream, filename: string) => Promise<T>,
  ): Promise<{ file: T; fields: Record<string, string> }> {
    const contentType = request.headers['content-type'] ?? '';
    if (!/^multipart\/form-data/i.test(contentType)) {
      return Promise.reject(new LeapError('UPLOAD.NOT_MULTIPART', 'Send the recording as multipart/form-data with a "file" part', { status: 415 }));
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { files: 1, fields: 20, fieldSize: 64 * 1024, fileSize: this.config.UPLOAD_MAX_BYTES + 1 } });
    } catch (error) {
      return Promise.reject(new LeapError('REQUEST.MALFORMED', `The multipart body cannot be read: ${(error as Error).message}`, { status: 400 }));
    }
    return new Promise((resolve, reject) => {
      const fields: Record<string, string> = {};
      let file: Promise<T> | undefined;
      let settled = false;
      let fileStream: busboy.FileStream | undefined;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        request.off('aborted', onAborted).off('close', onClose).off('error', onAborted);
        // Stop parsing; the rest of the body is read and dropped so the response reaches the client.
        request.unpipe(parser);
        request.resume();
        reject(error);
      };
      // A client that goes away mid-file: the file stream fails, so the store drops what it wrote
      // and the reservation is given back, instead of waiting forever for the rest.
      const onAborted = () => {
        const error = new RequestAbortedError();
        fileStream?.destroy(error);
        fail(error);
      };
      const onClose = () => {
        if (!request.complete) onAborted();
      };
      request.once('aborted', onAborted).once('close', onClose).once('error', onAborted);
      parser.on('field', (name, value) => {
        // A repeated `presetIds` field adds to the list; any other field's last value counts.
        fields[name] = name === 'presetIds' && fields[name] !== undefined ? `${fields[name]},${value}` : value;
      });
      parser.on('file', (name, stream, info) => {
        if (name !== 'file' || file) {
          stream.resume();
          return;
        }
        fileStream = stream;
        // The sink sees a failure through its reads; between reads (while quota is asked) an
        // abort must not become an unhandled 'error' event.
        stream.on('error', () => undefined);
        file = sink(stream, info.filename || '');
        file.catch(fail);
      });
      parser.on('error', (error) => fail(new LeapError('REQUEST.MALFORMED', `The multipart body cannot be read: ${error.message}`, { status: 400 })));
      parser.on('close', () => {
        if (!file) return fail(validationError([{ field: 'file', message: 'is required' }]));
        file.then((received) => {
          if (settled) return;
          settled = true;
          request.off('aborted', onAborted).off('close', onClose).off('error', onAborted);
          resolve({ file: received, fields });
        }, fail);
      });
      request.pipe(parser);
    });
  }

  private async storeFile(stream: busboy.FileStream, filename: string, userId: string, idempotencyKey: string): Promise<StoredUpload> {
    checkFilename(filename);
    const type = uploadTypeOf(filename);
    if (!type) throw unsupported(filename);
    const { head, rest } = await splitHead(stream, SNIFF_BYTES);
    if (head.length === 0) throw new LeapError('UPLOAD.EMPTY', 'The file is empty', { status: 400 });
    if (!matchesContainer(type, head)) throw unsupported(filename);

    const reservationId = await this.quota.reserveRecording(userId, idempotencyKey);
    const recordingId = uuidv7();
    const key = storageKeys.source(userId, recordingId, type.extension);
    try {
      const stored = await this.store.put(key, limited(rest, this.config.UPLOAD_MAX_BYTES), { contentType: type.contentType });
      return { recordingId, filename, type, stored, reservationId };
    } catch (error) {
      await this.discard(key, userId, reservationId, 'upload not stored');
      if (error instanceof LeapError) throw error;
      this.logger.warn(`upload of ${key} failed: ${(error as Error).message}`);
      throw new LeapError('UPLOAD.FAILED', 'The upload did not complete', { status: 400, cause: error });
    }
  }

  /** Reads the file through sha256 only, within the size limit. */
  private async hashFile(stream: busboy.FileStream, filename: string): Promise<HashedUpload> {
    checkFilename(filename);
    const hash = createHash('sha256');
    for await (const chunk of limited(stream, this.config.UPLOAD_MAX_BYTES)) hash.update(chunk as Buffer);
    return { filename, sha256: hash.digest('hex') };
  }

  /** Leaves nothing behind: the partial object goes, and the reservation is given back. */
  private async discard(key: string, userId: string, reservationId: string | undefined, reason: string): Promise<void> {
    await this.store.delete(key).catch((error: Error) => this.logger.error(`could not delete ${key}: ${error.message}`));
    if (reservationId) await this.quota.release(userId, reservationId, reason);
  }
}
