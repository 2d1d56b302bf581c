import type { IncomingMessage } from 'node:http';
import type { OutboundResponse } from '@leap/outbound';
import { YandexDiskError, type YandexDiskFailure } from './errors';

// How the Yandex Disk API's answers are read: resources, links, errors and `Retry-After`.

/** A file or folder as the API describes it (its own field names, camel-cased). */
export interface DiskResource {
  type: 'file' | 'dir';
  name: string;
  /** `disk:/Video/lecture.mp4`; inside a public folder, the path from its root (`/sub/lecture.mp4`). */
  path: string;
  resourceId?: string;
  size?: number;
  md5?: string;
  sha256?: string;
  mimeType?: string;
  created?: string;
  modified?: string;
  publicKey?: string;
  publicUrl?: string;
}

const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Yandex's status (and error name) as a kind of failure. */
export function failureOf(status: number, reason: string): YandexDiskFailure {
  if (status === 404) return 'not_found';
  if (status === 409 && reason === 'DiskResourceAlreadyExistsError') return 'exists';
  if (status === 507) return 'no_space';
  if (status === 429) return 'rate_limited';
  if (status === 401) return 'revoked';
  if (status >= 500 || status === 423 || status === 408) return 'unavailable';
  return 'rejected';
}

/** The answer's `Retry-After`, when it has one, as the error's detail. */
export function retryAfterOf(response: OutboundResponse): { retryAfterSeconds?: number } {
  const header = response.headers['retry-after'];
  return header === undefined ? {} : { retryAfterSeconds: retryAfterSeconds(header) };
}

/** `Retry-After` in seconds (a number or an HTTP date); 1 s when absent or unreadable. */
export function retryAfterSeconds(header: string | string[] | undefined): number {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return 1;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - Date.now()) / 1000)) : 1;
}

export function errorName(body: unknown): string {
  const error = (body as { error?: unknown } | undefined)?.error;
  return typeof error === 'string' ? error : '';
}

/** The JSON of an answer (undefined for an empty or non-JSON body), at most 16 MiB read. */
export async function readJson(body: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BYTES) {
      body.destroy();
      throw new YandexDiskError('unavailable', 'Yandex Disk answered more than 16 MiB where JSON was expected');
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `/a/b`, `disk:/a/b` or `a/b` → `disk:/a/b`. */
export function diskPath(path: string): string {
  const bare = path.replace(/^disk:/, '');
  return `disk:/${bare.split('/').filter(Boolean).join('/')}`;
}

export function linkHref(link: unknown): string {
  const href = (link as { href?: unknown } | undefined)?.href;
  if (typeof href !== 'string' || !href) throw new YandexDiskError('unavailable', 'Yandex Disk answered no href');
  return href;
}

export function toResource(raw: unknown): DiskResource {
  const r = (raw ?? {}) as Record<string, unknown>;
  const text = (key: string) => (typeof r[key] === 'string' ? (r[key] as string) : undefined);
  const resource: DiskResource = { type: r.type === 'dir' ? 'dir' : 'file', name: text('name') ?? '', path: text('path') ?? '' };
  const fields: Array<[keyof DiskResource, string]> = [
    ['resourceId', 'resource_id'],
    ['md5', 'md5'],
    ['sha256', 'sha256'],
    ['mimeType', 'mime_type'],
    ['created', 'created'],
    ['modified', 'modified'],
    ['publicKey', 'public_key'],
    ['publicUrl', 'public_url'],
  ];
  for (const [to, from] of fields) {
    const value = text(from);
    if (value) (resource as unknown as Record<string, unknown>)[to] = value;
  }
  if (typeof r.size === 'number') resource.size = r.size;
  return resource;
}
