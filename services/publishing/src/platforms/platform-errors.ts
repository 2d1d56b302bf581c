import { LeapError } from '@leap/errors';

/** The platform refused the account's tokens for good: the user has to connect it again. */
export class CredentialRevokedError extends LeapError {
  constructor(platform: string, detail: string) {
    super('PUBLISHING.CREDENTIAL_REVOKED', `The ${platform} account no longer grants access (${detail}); connect it again`, {
      retryable: false,
      status: 401,
      details: { needsReauth: true },
    });
    this.name = 'CredentialRevokedError';
  }
}

/** A platform's answer as an error: quota and rate limits and its own faults are retryable, a refusal is not. */
export function platformError(platform: string, status: number, reason: string, message: string, retryAfterSeconds?: number): LeapError {
  const details = retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined;
  if (reason === 'quotaExceeded') return new LeapError('PUBLISHING.QUOTA_EXCEEDED', `${platform}: the daily API quota is used up (${message})`, { retryable: true, status: 429, details });
  if (status === 429 || reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded') {
    return new LeapError('PUBLISHING.RATE_LIMITED', `${platform}: too many requests (${message})`, { retryable: true, status: 429, details });
  }
  if (status >= 500) return new LeapError('PUBLISHING.PLATFORM_ERROR', `${platform} answered ${status} ${reason}: ${message}`, { retryable: true, status: 502, details });
  return new LeapError('PUBLISHING.PLATFORM_REJECTED', `${platform} refused the upload: ${status} ${reason}: ${message}`, { retryable: false, status: 422 });
}
