import { LeapError } from '@leap/errors';

// The platform's error base lives in @leap/errors; it is re-exported here so that code written
// against the messaging library keeps one import.
export { errorCode, isRetryable, LeapError } from '@leap/errors';

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
