import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../../common/problem-details';

registerProblemTitles({
  'PARKED.NOT_FOUND': 'No such parked message',
  'PARKED.CONFIRMATION_REQUIRED': 'Purging needs a confirmation token',
  'PARKED.CONFIRMATION_INVALID': 'The confirmation token does not match this purge',
});

/** 404 `PARKED.NOT_FOUND`: no message with this id waits in that parking queue (replayed, purged, or never there). */
export function parkedNotFound(id: string): LeapError {
  return new LeapError('PARKED.NOT_FOUND', `No parked message ${id}`, { status: 404 });
}

/** 409 `PARKED.CONFIRMATION_REQUIRED`: nothing was purged; send the same request again with `confirm` set to the token. */
export function confirmationRequired(count: number, token: string, expiresAt: string): LeapError {
  return new LeapError('PARKED.CONFIRMATION_REQUIRED', `This purge would drop ${count} message(s) for good; repeat it with "confirm" set to the token`, {
    status: 409,
    details: { count, confirm: token, expiresAt },
  });
}

/** 409 `PARKED.CONFIRMATION_INVALID`: the token was issued to someone else, for another selection, or has expired. */
export function confirmationInvalid(): LeapError {
  return new LeapError('PARKED.CONFIRMATION_INVALID', 'The confirmation token was issued for another purge or another administrator, or has expired', {
    status: 409,
  });
}
