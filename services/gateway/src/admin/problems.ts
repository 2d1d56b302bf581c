import { LeapError } from '@leap/errors';
import { registerProblemTitles } from '../common/problem-details';

registerProblemTitles({
  'USER.NOT_FOUND': 'User not found',
  'ADMIN.SELF_CHANGE': 'Administrators cannot demote or deactivate themselves',
  'STORAGE.UNAVAILABLE': 'Storage service unavailable',
});

/** 404 `USER.NOT_FOUND`. */
export function userNotFound(): LeapError {
  return new LeapError('USER.NOT_FOUND', 'No user with this id', { status: 404 });
}

/** 409 `ADMIN.SELF_CHANGE`: another administrator has to do it, so the platform never loses its last admin by accident. */
export function selfChange(field: 'role' | 'isActive'): LeapError {
  return new LeapError('ADMIN.SELF_CHANGE', 'Administrators cannot demote or deactivate themselves; ask another administrator', {
    status: 409,
    details: { field },
  });
}
