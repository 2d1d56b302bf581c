/**
 * One error base for the whole platform, used by HTTP and messaging alike. `code` is stable and
 * documented (`AREA.REASON`); `retryable` tells the messaging library whether a failed handler
 * is retried through the retry tiers (true) or parked in `<queue>.error` at once (false), and a
 * job whether it is tried again; the gateway maps the same errors to RFC 9457 problem details
 * with `status`.
 */
export class LeapError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    message: string,
    options: { retryable?: boolean; status?: number; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.status = options.status ?? 500;
    this.details = options.details;
  }
}

/**
 * Errors thrown by code we do not own (drivers, network) are retryable unless they say otherwise:
 * a transient fault should not park a message.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof LeapError) return error.retryable;
  if (error && typeof error === 'object' && 'retryable' in error) return Boolean((error as { retryable: unknown }).retryable);
  return true;
}

/** The stable code of an error: a `LeapError`'s code, else the error's name. */
export function errorCode(error: unknown): string {
  if (error instanceof LeapError) return error.code;
  if (error instanceof Error) return error.name;
  return 'UNKNOWN';
}
