import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { pipeline, type Readable } from 'node:stream';
import { LeapError } from '@leap/errors';
import { AddressNotAllowedError } from './errors';
import type { OutboundPolicy } from './outbound-policy';

export interface OutboundRequestOptions {
  /** GET by default; a platform API may use any method. */
  method?: string;
  headers?: OutgoingHttpHeaders;
  /**
   * A request body, streamed when it is a stream. A request with a body follows no redirect (a
   * stream cannot be sent twice): the redirect is the answer.
   */
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
  /** Redirects followed, each one checked like the first URL (default 5). */
  maxRedirects?: number;
  /** Time allowed without a byte from the server, connection included (default 30 s). */
  idleTimeoutMs?: number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Where the answer came from, after redirects. */
  url: URL;
  /** The body, to be read or destroyed by the caller. */
  body: IncomingMessage;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * HTTP(S) GET and HEAD through the address guard. Every hop is checked before it is requested,
 * and the socket connects to the address the guard checked (the policy is the connection's
 * resolver), so neither a redirect to 127.0.0.1 nor a DNS answer that changes between check and
 * connect reaches an internal address.
 */
export class OutboundHttp {
  constructor(private readonly policy: OutboundPolicy) {}

  async request(input: string | URL, options: OutboundRequestOptions = {}): Promise<OutboundResponse> {
    const maxRedirects = options.maxRedirects ?? 5;
    let url = typeof input === 'string' ? new URL(input) : input;
    let method = options.method ?? 'GET';
    let headers: OutgoingHttpHeaders = { ...options.headers };
    for (let hop = 0; ; hop += 1) {
      await this.policy.checkUrl(url);
      const response = await this.once(url, method, headers, options);
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || !location || options.body !== undefined) {
        return { status: response.statusCode ?? 0, headers: response.headers, url, body: response };
      }
      response.resume();
      if (hop >= maxRedirects) {
        throw new LeapError('OUTBOUND.TOO_MANY_REDIRECTS', `${url.origin} redirected more than ${maxRedirects} times`, { status: 422, retryable: false });
      }
      const next = new URL(location, url);
      // Credentials go to the origin they were given for, never to where it redirects.
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !['authorization', 'cookie'].includes(k.toLowerCase())));
      }
      if (response.statusCode === 303) method = 'GET';
      url = next;
    }
  }

  private once(url: URL, method: string, headers: OutgoingHttpHeaders, options: OutboundRequestOptions): Promise<IncomingMessage> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(options.signal.reason ?? new Error('aborted'));
        return;
      }
      const req = send(url, { method, headers, signal: options.signal, lookup: this.policy.lookup as never }, resolve);
      req.setTimeout(options.idleTimeoutMs ?? 30_000, () => {
        req.destroy(new LeapError('OUTBOUND.TIMEOUT', `${url.origin} sent nothing for ${options.idleTimeoutMs ?? 30_000} ms`, { retryable: true }));
      });
      req.on('error', (error) => reject(unwrap(error)));
      const body = options.body;
      if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
      else pipeline(body, req, (error) => error && req.destroy(error));
    });
  }
}

/** The guard's refusal, out of whatever the socket wrapped it in. */
function unwrap(error: unknown): unknown {
  if (error instanceof AddressNotAllowedError) return error;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof AddressNotAllowedError ? cause : error;
}
