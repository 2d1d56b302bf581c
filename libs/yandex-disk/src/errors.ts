import { LeapError } from '@leap/errors';

/**
 * What went wrong with Yandex Disk, for a caller to name in its own terms:
 * - `revoked`: the account no longer grants access (a refresh refused, or a fresh token refused);
 *   the user has to connect it again (`needs_reauth`);
 * - `rate_limited`: 429 that outlasted the waits the client allows itself (`retryAfterSeconds`);
 * - `not_found`: no such path or public link;
 * - `exists`: the file is there and overwriting was not asked for;
 * - `no_space`: the disk is full (507);
 * - `rejected`: any other refusal (4xx);
 * - `unavailable`: Yandex's own fault (5xx) or a broken connection.
 */
export type YandexDiskFailure = 'revoked' | 'rate_limited' | 'not_found' | 'exists' | 'no_space' | 'rejected' | 'unavailable';

const CODES: Record<YandexDiskFailure, { code: string; status: number; retryable: boolean }> = {
  revoked: { code: 'YANDEX_DISK.NEEDS_REAUTH', status: 401, retryable: false },
  rate_limited: { code: 'YANDEX_DISK.RATE_LIMITED', status: 429, retryable: true },
  not_found: { code: 'YANDEX_DISK.NOT_FOUND', status: 404, retryable: false },
  exists: { code: 'YANDEX_DISK.ALREADY_EXISTS', status: 409, retryable: false },
  no_space: { code: 'YANDEX_DISK.NO_SPACE', status: 507, retryable: false },
  rejected: { code: 'YANDEX_DISK.REJECTED', status: 422, retryable: false },
  unavailable: { code: 'YANDEX_DISK.UNAVAILABLE', status: 502, retryable: true },
};

/** A Yandex Disk failure: `failure` says what kind, `reason` is Yandex's own error name (`DiskNotFoundError`). */
export class YandexDiskError extends LeapError {
  constructor(
    readonly failure: YandexDiskFailure,
    message: string,
    readonly reason = '',
    extra: { retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    const { code, status, retryable } = CODES[failure];
    super(code, message, {
      status,
      retryable,
      cause: extra.cause,
      details: {
        ...(reason ? { reason } : {}),
        ...(failure === 'revoked' ? { needsReauth: true } : {}),
        ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
      },
    });
  }
}

export function isYandexDiskError(error: unknown, failure?: YandexDiskFailure): error is YandexDiskError {
  return error instanceof YandexDiskError && (failure === undefined || error.failure === failure);
}
