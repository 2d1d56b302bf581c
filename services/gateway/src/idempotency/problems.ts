import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

// `IDEMPOTENCY.KEY_REUSED` has its title in common/problem-details.ts.
registerProblemTitles({
  'IDEMPOTENCY.IN_PROGRESS': 'A request with this idempotency key is still running',
});

/** 422: the key was first used for another method, path or body. */
export function keyReused(): LeapError {
  return new LeapError('IDEMPOTENCY.KEY_REUSED', 'This Idempotency-Key was already used for a different request (method, path or body); use a new key', {
    status: 422,
  });
}

/** 409 with `Retry-After: 1`: the first request with the key has not answered yet. */
export function inProgress(): LeapError {
  return new LeapError('IDEMPOTENCY.IN_PROGRESS', 'The first request with this Idempotency-Key is still running; retry shortly to get its answer', {
    status: 409,
    details: { retryAfterSeconds: 1 },
  });
}
