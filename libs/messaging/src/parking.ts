import { errorCode, isRetryable } from '@leap/errors';

/**
 * Why a handled message ended in its queue's parking lot (`<queue>.error`), as the handler's
 * `onParked` hook sees it.
 */
export interface ParkedFailure {
  /** The handler's last error. */
  error: unknown;
  /** Its stable code (`LeapError.code`, else the error's name). */
  code: string;
  message: string;
  /**
   * True when the error was retryable and every immediate retry and retry tier was used; false
   * when the handler threw an error that is not retryable, which is parked at once.
   */
  retriesExhausted: boolean;
  /** How many retry tiers the message went through before it was parked. */
  retryCount: number;
}

/** The last error of a handler whose message is parked now. */
export function parkedFailure(error: unknown, retryCount: number): ParkedFailure {
  return {
    error,
    code: errorCode(error),
    message: error instanceof Error ? error.message : String(error),
    retriesExhausted: isRetryable(error),
    retryCount,
  };
}

/** A failure as the `*.failed` events carry it (the `Failure` message of the contracts). */
export interface FailureReport {
  code: string;
  message: string;
  retryable: false;
}

/**
 * What a worker tells the pipeline when its command is parked: `<AREA>.RETRIES_EXHAUSTED` with
 * the last error's code and message when the retries ran out, else the error's own code. Never
 * retryable: nothing will try again unless an operator replays the parked message.
 *
 * ```ts
 * parkedFailureReport('MEDIA', failure)
 * // { code: 'MEDIA.RETRIES_EXHAUSTED', message: 'Gave up after 3 retry tiers; last error MEDIA.STORAGE_UNAVAILABLE: ...', retryable: false }
 * ```
 */
export function parkedFailureReport(area: string, failure: ParkedFailure): FailureReport {
  const last = failure.message.slice(0, 2000);
  if (!failure.retriesExhausted) return { code: failure.code, message: last, retryable: false };
  return {
    code: `${area}.RETRIES_EXHAUSTED`,
    message: `Gave up after ${failure.retryCount} retry tier${failure.retryCount === 1 ? '' : 's'}; last error ${failure.code}: ${last}`,
    retryable: false,
  };
}
