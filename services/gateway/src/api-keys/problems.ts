import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'API_KEY.NOT_FOUND': 'API key not found',
  'AUTH.API_KEY_REVOKED': 'API key revoked',
  'AUTH.API_KEY_EXPIRED': 'API key expired',
});

const INVALID_TOKEN = { 'WWW-Authenticate': 'Bearer error="invalid_token"' };

/** 404 `API_KEY.NOT_FOUND`: no key of the caller has this id (another user's key looks the same). */
export function apiKeyNotFound(): LeapError {
  return new LeapError('API_KEY.NOT_FOUND', 'No API key with this id', { status: 404 });
}

/** 401 `AUTH.API_KEY_REVOKED`. */
export function apiKeyRevoked(): LeapError {
  return new LeapError('AUTH.API_KEY_REVOKED', 'This API key has been revoked', { status: 401, details: { headers: INVALID_TOKEN } });
}

/** 401 `AUTH.API_KEY_EXPIRED`. */
export function apiKeyExpired(): LeapError {
  return new LeapError('AUTH.API_KEY_EXPIRED', 'This API key has expired', { status: 401, details: { headers: INVALID_TOKEN } });
}

