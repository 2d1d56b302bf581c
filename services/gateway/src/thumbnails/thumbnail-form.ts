import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { LeapError } from '@leap/errors';
import { validationError } from '../common/problem-details';
import { RequestAbortedError } from '../http/json-body';

/** A small multipart upload read into memory: the `file` part (at most `maxBytes`) and the text fields. */
export interface SmallUpload {
  filename: string;
  bytes: Buffer;
  fields: Record<string, string>;
}

export function thumbnailTooLarge(maxBytes: number): LeapError {
  return new LeapError('THUMBNAIL.TOO_LARGE', `A thumbnail may have at most ${maxBytes} bytes (2 MB)`, { status: 413, details: { maxBytes, headers: { Connection: 'close' } } });
}

function malformed(error: Error): LeapError {
  return new LeapError('REQUEST.MALFORMED', `The multipart body cannot be read: ${error.message}`, { status: 400 });
}

/**
 * Reads a multipart body whose file is small (a thumbnail): the file is kept in memory up to
 * `maxBytes`, and one byte more fails it with 413 at once; the rest of the body is dropped.
 */
export function readSmallUpload(request: IncomingMessage, maxBytes: number): Promise<SmallUpload> {
  if (!/^multipart\/form-data/i.test(request.headers['content-type'] ?? '')) {
    return Promise.reject(new LeapError('UPLOAD.NOT_MULTIPART', 'Send the image as multipart/form-data with a "file" part', { status: 415 }));
  }
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: request.headers, limits: { files: 1, fields: 10, fieldSize: 4096, fileSize: maxBytes + 1 } });
  } catch (error) {
    return Promise.reject(malformed(error as Error));
  }
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: { filename: string; chunks: Buffer[]; size: number; done: Promise<void> } | undefined;
    let settled = false;
    const finish = (error?: unknown, value?: SmallUpload) => {
      if (settled) return;
      settled = true;
      request.off('aborted', onAborted).off('error', onAborted);
      if (error) {
        request.unpipe(parser);
        request.resume();
        reject(error);
      } else resolve(value!);
    };
    const onAborted = () => finish(new RequestAbortedError());
    request.once('aborted', onAborted).once('error', onAborted);
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || file) {
        stream.resume();
        return;
      }
      const current = { filename: info.filename || '', chunks: [] as Buffer[], size: 0, done: Promise.resolve() };
      file = current;
      current.done = new Promise<void>((done) => {
        stream.on('data', (chunk: Buffer) => {
          current.size += chunk.length;
          if (current.size > maxBytes) return finish(thumbnailTooLarge(maxBytes));
          current.chunks.push(chunk);
        });
        stream.on('end', () => done());
        // A body that ends inside the file part fails the part's stream first: a malformed request, not our fault.
        stream.on('error', (error) => finish(malformed(error)));
      });
    });
    parser.on('error', (error: Error) => finish(malformed(error)));
    parser.on('close', () => {
      if (!file) return finish(validationError([{ field: 'file', message: 'is required' }]));
      const received = file;
      void received.done.then(() => finish(undefined, { filename: received.filename, bytes: Buffer.concat(received.chunks), fields }));
    });
    request.pipe(parser);
  });
}
