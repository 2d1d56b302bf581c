import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { headerOf } from '../common/http-types';
import { bodyTooLarge, malformedRequest, nulCharacter, unsupportedBody } from './problems';

/** How much JSON the gateway reads, and how deep. */
export interface JsonBodyLimits {
  /** Bytes, counted both as sent and (for a compressed body) once inflated. */
  maxBytes: number;
  /** Nesting of arrays and objects; no body of the API needs more than a few levels. */
  maxDepth: number;
}

/** The media type of the request body, lower-cased, with its parameters. */
export function bodyMediaType(request: IncomingMessage): { type: string; params: Record<string, string> } | undefined {
  const header = headerOf(request, 'content-type');
  if (!header) return undefined;
  const [type, ...rest] = header.split(';');
  const params: Record<string, string> = {};
  for (const part of rest) {
    const index = part.indexOf('=');
    if (index > 0) params[part.slice(0, index).trim().toLowerCase()] = part.slice(index + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return { type: type!.trim().toLowerCase(), params };
}

/** Whether a request carries a body at all (a length above zero, or chunked). */
export function hasBody(request: IncomingMessage): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = request.headers['content-length'];
  return length !== undefined && Number(length) > 0;
}

const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/** True for `application/json` and `application/<anything>+json`. */
export function isJsonType(type: string): boolean {
  return JSON_TYPE.test(type);
}

/** The stream that undoes the request's `Content-Encoding`, or none for an identity body. */
function decoderOf(request: IncomingMessage): Readable & NodeJS.WritableStream | undefined {
  const codings = (headerOf(request, 'content-encoding') ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  if (codings.length === 0) return undefined;
  if (codings.length > 1) throw unsupportedBody(`One content coding at most; got "${codings.join(', ')}"`);
  switch (codings[0]) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw unsupportedBody(`The content coding "${codings[0]}" is not supported; send gzip, deflate, br or none`);
  }
}

/** A client that went away before its body was complete: nobody is left to answer. */
export class RequestAbortedError extends Error {
  constructor() {
    super('The client closed the connection before the request body was complete');
  }
}

/**
 * Reads a JSON request body within `limits`: a declared length over the limit is refused before a
 * byte is read, a body (or its inflated form) that grows past it is cut off, and only UTF-8 is
 * read. The parsed value holds no NUL character in any key or string (PostgreSQL cannot store it).
 */
export async function readJsonBody(request: IncomingMessage, limits: JsonBodyLimits): Promise<unknown> {
  const media = bodyMediaType(request);
  const charset = media?.params.charset;
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') throw unsupportedBody(`The charset "${charset}" is not supported; JSON is read as UTF-8`);
  const decoder = decoderOf(request);
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) throw bodyTooLarge(limits.maxBytes);

  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let sent = 0;
    let read = 0;
    let settled = false;
    const source: Readable = decoder ? request.pipe(decoder) : request;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      request.off('data', onSent).off('aborted', onAborted).off('close', onClose).off('error', onError);
      source.off('data', onRead).off('end', onEnd).off('error', onDecodeError);
      if (decoder) {
        request.unpipe(decoder);
        decoder.destroy();
      }
      if (error) {
        request.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks));
    };
    const onSent = (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > limits.maxBytes) finish(bodyTooLarge(limits.maxBytes));
    };
    const onRead = (chunk: Buffer) => {
      read += chunk.length;
      if (read > limits.maxBytes) return finish(bodyTooLarge(limits.maxBytes));
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onAborted = () => finish(new RequestAbortedError());
    const onClose = () => {
      if (!request.complete) finish(new RequestAbortedError());
    };
    const onError = () => finish(new RequestAbortedError());
    const onDecodeError = (error: Error) => finish(source === request ? new RequestAbortedError() : malformedRequest(`The ${headerOf(request, 'content-encoding')} body cannot be decoded: ${error.message}`));
    if (decoder) request.on('data', onSent);
    request.on('aborted', onAborted).on('close', onClose).on('error', onError);
    source.on('data', onRead).on('end', onEnd).on('error', onDecodeError);
  });

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw malformedRequest('The body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformedRequest(`The body is not valid JSON: ${(error as Error).message}`);
  }
  checkJsonValue(value, limits.maxDepth);
  return value;
}

/** Refuses values nested deeper than `maxDepth` and strings or keys with a NUL character (iteratively: no recursion to exhaust). */
export function checkJsonValue(value: unknown, maxDepth: number): void {
  const withNul: string[] = [];
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: node, path, depth } = stack.pop()!;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) withNul.push(path || '(body)');
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) throw malformedRequest(`The body is nested more than ${maxDepth} levels deep`);
    for (const [key, child] of Object.entries(node)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) withNul.push(childPath);
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  if (withNul.length > 0) throw nulCharacter(withNul.sort().slice(0, 20).map((f) => f.replace(/\u0000/g, '\\u0000')));
}

/** Refuses NUL characters in path parameters and query values (they would reach the database). */
export function checkParameters(location: 'path' | 'query', values: Record<string, unknown> | undefined): void {
  if (!values) return;
  const withNul: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const texts = Array.isArray(value) ? value : [value];
    if (key.includes('\u0000') || texts.some((t) => typeof t === 'string' && t.includes('\u0000'))) withNul.push(`${location}.${key.replace(/\u0000/g, '\\u0000')}`);
  }
  if (withNul.length > 0) throw nulCharacter(withNul);
}
