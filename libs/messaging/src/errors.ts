/**
 * One error base for the whole platform. `code` is stable and documented (`AREA.REASON`);
 * `retryable` tells the messaging library whether a failed handler is retried through the
 * retry tiers (true) or parked in `<queue>.error` at once (false). The gateway maps the same
 * errors to RFC 9457 problem details.
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

/** A payload that does not match its contract: never retried. */
export class InvalidMessageError extends LeapError {
  constructor(type: string, problems: string[]) {
    super('MESSAGING.INVALID_PAYLOAD', `Invalid ${type} payload: ${problems.join('; ')}`, {
      retryable: false,
      status: 400,
      details: { type, problems },
    });
  }
}

/** A message whose type no contract defines: never retried. */
export class UnknownMessageTypeError extends LeapError {
  constructor(type: string) {
    super('MESSAGING.UNKNOWN_TYPE', `No contract defines the message type "${type}"`, { retryable: false, status: 400 });
  }
}

/** Boot-time wiring problems (missing or duplicate handlers, bad topology). */
export class MessagingConfigurationError extends LeapError {
  constructor(message: string) {
    super('MESSAGING.CONFIGURATION', message, { retryable: false });
  }
}

/** A request/reply call that got no answer in time. */
export class RequestTimeoutError extends LeapError {
  constructor(type: string, timeoutMs: number) {
    super('MESSAGING.REQUEST_TIMEOUT', `No reply to ${type} within ${timeoutMs} ms`, { retryable: true, status: 504 });
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

export function errorCode(error: unknown): string {
  if (error instanceof LeapError) return error.code;
  if (error instanceof Error) return error.name;
  return 'UNKNOWN';
}
