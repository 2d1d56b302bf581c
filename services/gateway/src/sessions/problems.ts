import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'AUTH.INVALID_CREDENTIALS': 'Invalid email or password',
  'AUTH.REFRESH_TOKEN_INVALID': 'Refresh token invalid or expired',
  'AUTH.REFRESH_TOKEN_REUSED': 'Refresh token reused',
  'SESSION.NOT_FOUND': 'Session not found',
});

/** 401 for an unknown email and a wrong password alike, so the answer does not reveal accounts. */
export function invalidCredentials(): LeapError {
  return new LeapError('AUTH.INVALID_CREDENTIALS', 'The email or password is wrong', { status: 401 });
}

/** 401: no refresh token, or one that is unknown, expired, of a revoked session or an older token version. */
export function refreshTokenInvalid(message = 'The refresh token is invalid, expired or revoked; sign in again'): LeapError {
  return new LeapError('AUTH.REFRESH_TOKEN_INVALID', message, { status: 401 });
}

/** 401: a refresh token that was already exchanged came back, so its session was revoked. */
export function refreshTokenReused(): LeapError {
  return new LeapError(
    'AUTH.REFRESH_TOKEN_REUSED',
    'This refresh token was already used; the session has been revoked as a precaution. Sign in again',
    { status: 401 },
  );
}


export function sessionNotFound(): LeapError {
  return new LeapError('SESSION.NOT_FOUND', 'No such session', { status: 404 });
}
