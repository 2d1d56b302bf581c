/**
 * A tus 1.0 client as bare HTTP, for specs that check the gateway's answers to each request
 * (tus-js-client drives the whole protocol in the end-to-end spec).
 */

/** `Upload-Metadata`: each value base64-encoded; a null value sends the key alone. */
export function tusMetadata(pairs: Record<string, string | null>): string {
  return Object.entries(pairs)
    .map(([key, value]) => (value === null ? key : `${key} ${Buffer.from(value, 'utf8').toString('base64')}`))
    .join(',');
}

/** The headers of a tus request: `Tus-Resumable: 1.0.0`, the bearer token, and `extra`. */
export function tusHeaders(token: string | undefined, extra: Record<string, string> = {}): Record<string, string> {
  return { 'tus-resumable': '1.0.0', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra };
}

/** What a tus answer carried: status, headers, and the problem when it was one (HEAD answers have no body). */
export interface TusReply {
  status: number;
  headers: Headers;
  body: any;
}

export async function tusRequest(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<TusReply> {
  const response = await fetch(`${base}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Starts an upload of `length` bytes named `filename`; answers the reply (201 with `Location` when admitted). */
export function tusCreate(base: string, token: string | undefined, length: number | string, metadata: Record<string, string | null>, extra: Record<string, string> = {}): Promise<TusReply> {
  return tusRequest(base, 'POST', '/api/v1/uploads', tusHeaders(token, { 'upload-length': String(length), 'upload-metadata': tusMetadata(metadata), ...extra }));
}

/** Sends `bytes` at `offset`. */
export function tusPatch(base: string, token: string | undefined, location: string, offset: number, bytes: Buffer): Promise<TusReply> {
  return tusRequest(base, 'PATCH', location, tusHeaders(token, { 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }), bytes);
}
