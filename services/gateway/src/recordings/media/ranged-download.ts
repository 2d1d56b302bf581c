import type { Readable } from 'node:stream';
import { LeapError } from '@leap/errors';
import { InvalidRangeError, ObjectNotFoundError, type ObjectStore } from '@leap/storage-client';
import { parseByteRange } from './byte-range';

/** An object on its way to an HTTP client: whole (200) or the range it asked for (206). */
export interface RangedDownload {
  status: 200 | 206;
  headers: Record<string, string>;
  body: Readable;
}

const CONTENT_TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  wav: 'audio/wav',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  json: 'application/json',
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
};

/**
 * Opens `key` for an HTTP answer with the `Range` header honoured (players seek with it): the
 * headers say the type, size, range and checksum (as ETag). `notFound` is the problem to answer
 * when the object is not there (also when it goes between the HEAD and the read); `noun` names
 * the content in a 416's message.
 */
export async function openRanged(store: ObjectStore, key: string, range: string | undefined, notFound: () => LeapError, noun: string): Promise<RangedDownload> {
  const info = await store.head(key);
  if (!info) throw notFound();
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    'Content-Type': info.contentType ?? CONTENT_TYPES[key.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream',
    'Cache-Control': 'private, no-transform',
    ...(info.checksumSha256 ? { ETag: `"${info.checksumSha256}"` } : {}),
  };
  const unsatisfiable = (sizeBytes: number) =>
    new LeapError('MEDIA.RANGE_NOT_SATISFIABLE', `The ${noun} has ${sizeBytes} bytes`, { status: 416, details: { sizeBytes } });
  const wanted = parseByteRange(range, info.sizeBytes);
  if (wanted === 'unsatisfiable') throw unsatisfiable(info.sizeBytes);
  try {
    if (!wanted) return { status: 200, headers: { ...headers, 'Content-Length': String(info.sizeBytes) }, body: await store.get(key) };
    return {
      status: 206,
      headers: { ...headers, 'Content-Length': String(wanted.end - wanted.start + 1), 'Content-Range': `bytes ${wanted.start}-${wanted.end}/${info.sizeBytes}` },
      body: await store.get(key, { range: wanted }),
    };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) throw notFound();
    if (error instanceof InvalidRangeError) throw unsatisfiable(error.sizeBytes);
    throw error;
  }
}
