import { LeapError } from '@leap/errors';

/** The `fetch` a client sends its requests with; injected so a client can be pointed at anything. */
export type Fetch = typeof fetch;

export interface ProviderRequestOptions {
  signal?: AbortSignal;
  /** Longest the request may take, including reading the answer. */
  timeoutMs?: number;
}

/**
 * Seconds to wait from a `Retry-After` header: a number of seconds or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now) / 1000);
}

/** The message an API put in its error body (`{error:{message}}`, `{error:"..."}`, `{message}`), else the body's start. */
function bodyMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: string | { message?: string }; message?: string; detail?: string };
    const error = parsed.error;
    const message = typeof error === 'string' ? error : (error?.message ?? parsed.message ?? parsed.detail);
    if (typeof message === 'string' && message) return message;
  } catch {
    // not JSON: the text itself
  }
  return body.trim().slice(0, 300) || '(no body)';
}

/**
 * A provider's HTTP error as a `LeapError` that says whether to try again:
 * - 429 `TRANSCRIPTION.PROVIDER_RATE_LIMITED`, retryable, with `details.retryAfterSeconds` from `Retry-After`;
 * - 408, 504 `TRANSCRIPTION.PROVIDER_TIMEOUT`, retryable; other 5xx `TRANSCRIPTION.PROVIDER_FAILED`, retryable;
 * - 401, 403 `TRANSCRIPTION.PROVIDER_AUTH`, not retryable (a key does not mend itself);
 * - any other 4xx `TRANSCRIPTION.PROVIDER_REJECTED`, not retryable (the same request gets the same answer).
 */
export function providerHttpError(provider: string, status: number, body: string, headers?: Headers): LeapError {
  const message = `${provider} answered ${status}: ${bodyMessage(body)}`;
  const details: Record<string, unknown> = { provider, status };
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(headers?.get('retry-after'));
    if (retryAfterSeconds !== undefined) details.retryAfterSeconds = retryAfterSeconds;
    return new LeapError('TRANSCRIPTION.PROVIDER_RATE_LIMITED', message, { retryable: true, status: 503, details });
  }
  if (status === 408 || status === 504) return new LeapError('TRANSCRIPTION.PROVIDER_TIMEOUT', message, { retryable: true, status: 503, details });
  if (status >= 500) return new LeapError('TRANSCRIPTION.PROVIDER_FAILED', message, { retryable: true, status: 503, details });
  if (status === 401 || status === 403) return new LeapError('TRANSCRIPTION.PROVIDER_AUTH', message, { retryable: false, status: 502, details });
  return new LeapError('TRANSCRIPTION.PROVIDER_REJECTED', message, { retryable: false, status: 502, details });
}

/**
 * Sends one request to a provider and returns the answer's body as JSON. Network failures are
 * `TRANSCRIPTION.PROVIDER_UNAVAILABLE` (retryable), a request past `timeoutMs`
 * `TRANSCRIPTION.PROVIDER_TIMEOUT` (retryable), a cancelled one `TRANSCRIPTION.CANCELLED`, and
 * an error status as `providerHttpError` maps it. A 2xx body that is not JSON is
 * `TRANSCRIPTION.PROVIDER_FAILED` (retryable: proxies answer HTML pages in an outage).
 */
export async function providerJson<T>(fetchFn: Fetch, provider: string, url: string, init: RequestInit, options: ProviderRequestOptions = {}): Promise<T> {
  const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
  const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 0 ? AbortSignal.any(signals) : undefined;
  let response: Response;
  let body: string;
  try {
    response = await fetchFn(url, { ...init, signal });
    body = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw new LeapError('TRANSCRIPTION.CANCELLED', `The request to ${provider} was cancelled`, { retryable: true, cause: error });
    if (timeout?.aborted) {
      throw new LeapError('TRANSCRIPTION.PROVIDER_TIMEOUT', `${provider} did not answer within ${options.timeoutMs} ms`, { retryable: true, status: 503, details: { provider } });
    }
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new LeapError('TRANSCRIPTION.PROVIDER_UNAVAILABLE', `${provider} could not be reached: ${reason}`, { retryable: true, status: 503, details: { provider }, cause: error });
  }
  if (!response.ok) throw providerHttpError(provider, response.status, body, response.headers);
  try {
    return JSON.parse(body) as T;
  } catch {
    throw new LeapError('TRANSCRIPTION.PROVIDER_FAILED', `${provider} answered ${response.status} with a body that is not JSON: ${body.slice(0, 200)}`, {
      retryable: true,
      status: 503,
      details: { provider, status: response.status },
    });
  }
}

/** Waits `ms`, or less when `signal` aborts (then throws its reason). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LeapError('TRANSCRIPTION.CANCELLED', 'Cancelled while waiting', { retryable: true }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new LeapError('TRANSCRIPTION.CANCELLED', 'Cancelled while waiting', { retryable: true }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
