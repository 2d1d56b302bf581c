import { LeapError } from '@leap/errors';

/**
 * Checks of what a user hands us that ends up in a storage key: a file name (a thumbnail's), a
 * path segment, or a whole key. Keys are built by `storageKeys`, which refuses anything odd with a
 * plain error; these checks come first, at the edge, so the caller gets a problem with a stable
 * code instead of a 500, and nothing reaches the store.
 *
 * `STORAGE.UNSAFE_PATH` (400): the value could leave its place once decoded: a `/` or `\`, a `.`
 * or `..` segment, a control character, or a percent-encoded separator, dot or NUL (`%2F`, `%5C`,
 * `%2E`, `%00`, also encoded again as `%252F`), which some layer further on might decode.
 * `STORAGE.FOREIGN_KEY` (404): a key under another user's folder. It is refused from its text
 * alone, before the store is asked, so the answer says nothing about whether the object exists.
 */
const ENCODED = /%(?:25)*(?:2f|5c|2e|00)/i;
const CONTROL = /[\u0000-\u001f\u007f]/;

export function unsafePath(field: string, message: string): LeapError {
  return new LeapError('STORAGE.UNSAFE_PATH', `${field} ${message}`, {
    status: 400,
    details: { errors: [{ field, message }] },
  });
}

export function foreignKey(field: string, key: string): LeapError {
  return new LeapError('STORAGE.FOREIGN_KEY', `No object ${JSON.stringify(key)} of yours`, {
    status: 404,
    details: { errors: [{ field, message: 'names an object outside your storage' }] },
  });
}

/** Why a value cannot stand as one path segment, or undefined when it can. */
export function segmentProblem(value: string): string | undefined {
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (ENCODED.test(value)) return 'must not contain percent-encoded separators or dots (%2F, %5C, %2E, %00)';
  if (value.includes('/') || value.includes('\\')) return 'must not contain / or \\';
  if (value === '.' || value === '..') return 'must not be . or ..';
  return undefined;
}

/** A value used as one path segment (a file name, an id in a path); `STORAGE.UNSAFE_PATH` otherwise. */
export function checkPathSegment(field: string, value: string): string {
  const problem = segmentProblem(value);
  if (problem) throw unsafePath(field, problem);
  return value;
}

/**
 * A storage key a user sends (to read an object of theirs): it must be a clean key, under
 * `users/<userId>/` or in the shared library `shared/`. Returns the key.
 */
export function checkUserKey(field: string, userId: string, key: string): string {
  if (!key || key.length > 1024) throw unsafePath(field, 'must be a key of 1 to 1024 characters');
  if (key.startsWith('/')) throw unsafePath(field, 'must not start with /');
  if (key.includes('\\')) throw unsafePath(field, 'must not contain \\');
  for (const segment of key.split('/')) {
    if (segment === '') throw unsafePath(field, 'must not contain empty segments');
    const problem = segmentProblem(segment);
    if (problem) throw unsafePath(field, problem);
  }
  if (!key.startsWith(`users/${userId}/`) && !key.startsWith('shared/')) throw foreignKey(field, key);
  return key;
}
