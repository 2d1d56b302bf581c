import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'AUTH.TOKEN_INVALID': 'Invalid or expired link',
  'AUTH.MAIL_COOLDOWN': 'A mail was sent to this address moments ago',
});

/** 400 `AUTH.TOKEN_INVALID`: one answer for unknown, expired and already used tokens, so none can be told apart. */
export function tokenInvalid(what: 'verification' | 'password reset'): LeapError {
  return new LeapError('AUTH.TOKEN_INVALID', `The ${what} link is invalid or has expired; ask for a new one`, { status: 400 });
}

/** 429 `AUTH.MAIL_COOLDOWN` with `Retry-After`: one mail per address and purpose per `MAIL_RESEND_COOLDOWN`. */
export function mailCooldown(retryAfterSeconds: number): LeapError {
  return new LeapError('AUTH.MAIL_COOLDOWN', `A mail was sent to this address moments ago; ask again in ${retryAfterSeconds}s`, {
    status: 429,
    details: { retryAfterSeconds },
  });
}

/** 401 `AUTH.INVALID_CREDENTIALS`: the current password given to change it is wrong. */
export function wrongCurrentPassword(): LeapError {
  return new LeapError('AUTH.INVALID_CREDENTIALS', 'The current password is wrong', { status: 401 });
}
