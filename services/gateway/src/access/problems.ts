import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'AUTH.UNAUTHENTICATED': 'Authentication required',
  'AUTH.INSUFFICIENT_SCOPE': 'The credential lacks a scope',
  'AUTH.ADMIN_REQUIRED': 'Administrators only',
  'AUTH.CSRF_FAILED': 'CSRF check failed',
  'AUTH.ACCOUNT_DISABLED': 'Account disabled',
  'AUTH.EMAIL_NOT_VERIFIED': 'Email not verified',
  'FEATURE.DISABLED': 'Feature disabled for this account',
  'RATE_LIMIT.EXCEEDED': 'Too many requests',
  'AUTH.SESSION_REQUIRED': 'A signed-in session is required',
});

/** 401 `AUTH.UNAUTHENTICATED` with `WWW-Authenticate: Bearer`. */
export function unauthenticated(message = 'A valid bearer token, API key or session cookie is required'): LeapError {
  return new LeapError('AUTH.UNAUTHENTICATED', message, { status: 401, details: { headers: { 'WWW-Authenticate': 'Bearer' } } });
}

export function insufficientScope(scope: string): LeapError {
  return new LeapError('AUTH.INSUFFICIENT_SCOPE', `This request needs the "${scope}" scope, which the credential does not have`, {
    status: 403,
    details: { requiredScope: scope, headers: { 'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${scope}"` } },
  });
}

export function adminRequired(): LeapError {
  return new LeapError('AUTH.ADMIN_REQUIRED', 'Only administrators may do this', { status: 403 });
}

export function featureDisabled(flag: string): LeapError {
  return new LeapError('FEATURE.DISABLED', `The "${flag}" feature is turned off for this account`, { status: 403, details: { flag } });
}

export function csrfFailed(): LeapError {
  return new LeapError('AUTH.CSRF_FAILED', 'A cookie-authenticated change needs the X-CSRF-Token header with the CSRF token of its session (the csrf_token cookie)', { status: 403 });
}

export function accountDisabled(): LeapError {
  return new LeapError('AUTH.ACCOUNT_DISABLED', 'This account is disabled', { status: 403 });
}

export function emailNotVerified(): LeapError {
  return new LeapError('AUTH.EMAIL_NOT_VERIFIED', 'Verify the email address first: follow the link in the verification mail', { status: 403 });
}

/** 403 `AUTH.SESSION_REQUIRED`: the route needs a signed-in user (access token or cookie), not an API key. */
export function sessionRequired(): LeapError {
  return new LeapError('AUTH.SESSION_REQUIRED', 'This needs a signed-in user (an access token or the session cookie), not an API key', { status: 403 });
}
