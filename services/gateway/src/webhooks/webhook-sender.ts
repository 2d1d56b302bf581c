import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { LeapError, errorCode } from '@leap/errors';
import { AddressNotAllowedError, OutboundPolicy, type Resolver } from '@leap/outbound';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';

/** What one attempt saw. */
export interface AttemptResult {
  /** The receiver's status, when it answered. */
  status?: number;
  latencyMs: number;
  /** The start of the receiver's answer (at most `EXCERPT_BYTES`), for the delivery log. */
  excerpt?: string;
  /** Why the attempt failed without an answer, or why the answer is a failure (a redirect). */
  errorCode?: string;
  errorMessage?: string;
  retryAfter?: string;
}

const EXCERPT_BYTES = 1024;

/** Optional provider: the resolver the address guard asks (the system's by default; tests give one whose answers change). */
export const OUTBOUND_RESOLVER = Symbol('leap:outbound-resolver');

/**
 * Sends one webhook: a POST of the JSON body with the signature headers, through the outbound
 * address guard (the socket connects to the address the guard checked, so a name that resolves
 * somewhere internal by the time of delivery is refused), within a timeout for the whole attempt,
 * following no redirect. Only the first KiB of the answer is read.
 */
@Injectable()
export class WebhookSender {
  readonly policy: OutboundPolicy;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'OUTBOUND_ALLOWED_HOSTS' | 'WEBHOOK_TIMEOUT'>,
    @Optional() @Inject(OUTBOUND_RESOLVER) resolver?: Resolver,
  ) {
    this.policy = new OutboundPolicy({ allowedHosts: config.OUTBOUND_ALLOWED_HOSTS, resolver });
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<AttemptResult> {
    const started = Date.now();
    const elapsed = () => Date.now() - started;
    try {
      const { url: target } = await this.policy.checkUrl(url);
      const response = await this.post(target, headers, body);
      return { status: response.status, latencyMs: elapsed(), excerpt: response.excerpt, retryAfter: response.retryAfter };
    } catch (error) {
      return { latencyMs: elapsed(), errorCode: errorCode(error), errorMessage: (error as Error)?.message ?? String(error) };
    }
  }

  private post(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; excerpt: string; retryAfter?: string }> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const payload = Buffer.from(body, 'utf8');
    return new Promise((resolve, reject) => {
      const signal = AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT);
      const req = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length, 'user-agent': 'LEAP-Webhooks/1' },
          lookup: this.policy.lookup as never,
          signal,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const done = () => {
            const excerpt = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8');
            const retryAfter = res.headers['retry-after'];
            res.destroy();
            resolve({ status: res.statusCode ?? 0, excerpt, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
          };
          res.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size >= EXCERPT_BYTES) done();
          });
          res.on('end', done);
          res.on('error', (error) => reject(error));
        },
      );
      req.on('error', (error) => {
        if (signal.aborted) reject(new LeapError('WEBHOOK.TIMEOUT', `No answer within ${this.config.WEBHOOK_TIMEOUT} ms`, { retryable: true }));
        else reject(unwrap(error));
      });
      req.end(payload);
    });
  }
}

/** The guard's refusal, out of whatever the socket wrapped it in. */
function unwrap(error: unknown): unknown {
  if (error instanceof AddressNotAllowedError) return error;
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof AddressNotAllowedError ? cause : error;
}
