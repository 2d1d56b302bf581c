import { LeapError } from '@leap/errors';

/**
 * Why a download failed, each with its stable code. Refusals and broken sources are final (the
 * stage fails at once with the code); a dropped connection is resumed, and only a source that
 * keeps ending early is `INGEST.DOWNLOAD_TRUNCATED`.
 */
export const downloadErrors = {
  urlNotAllowed: (message: string, details?: Record<string, unknown>) =>
    new LeapError('INGEST.URL_NOT_ALLOWED', message, { status: 422, retryable: false, details }),
  truncated: (received: number, expected: number | undefined) =>
    new LeapError('INGEST.DOWNLOAD_TRUNCATED', `The source ended after ${received} of ${expected ?? 'an unknown number of'} bytes, again and again`, {
      retryable: false,
      details: { received, expected },
    }),
  notMedia: (what: string) => new LeapError('INGEST.DOWNLOAD_NOT_MEDIA', `The source answered ${what} instead of a media file`, { retryable: false }),
  sizeMismatch: (received: number, expected: number) =>
    new LeapError('INGEST.DOWNLOAD_SIZE_MISMATCH', `The source announced ${expected} bytes and sent ${received}`, {
      retryable: false,
      details: { received, expected },
    }),
  tooLarge: (size: number, limit: number) =>
    new LeapError('INGEST.DOWNLOAD_TOO_LARGE', `The source is larger than the ${limit} bytes a recording may have (${size})`, { retryable: false }),
  httpStatus: (status: number) =>
    new LeapError('INGEST.DOWNLOAD_HTTP_ERROR', `The source answered HTTP ${status}`, {
      // A server error or a rate limit may pass; a 4xx other than 408 and 429 will not.
      retryable: status >= 500 || status === 408 || status === 429,
      details: { status },
    }),
  emptySource: () => new LeapError('INGEST.DOWNLOAD_EMPTY', 'The source sent no bytes', { retryable: false }),
} as const;
