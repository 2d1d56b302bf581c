import { LeapError } from '@leap/errors';
import { registerProblemTitles, validationError } from '../common/problem-details';

registerProblemTitles({
  'REQUEST.TOO_LARGE': 'Request body too large',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 'Unsupported request body',
  'REQUEST.MALFORMED': 'The request could not be read',
  'HTTP.METHOD_NOT_ALLOWED': 'Method not allowed',
  'REQUEST.HEADERS_TOO_LARGE': 'Request headers too large',
  'REQUEST.TIMEOUT': 'Request timeout',
  'STORAGE.UNSAFE_PATH': 'A path or name that could leave its storage folder',
  'STORAGE.FOREIGN_KEY': 'Not an object of yours',
  'STORAGE.NOT_FOUND': 'No such object',
});

/**
 * 413 `REQUEST.TOO_LARGE`. The connection is closed after the answer: the rest of the body is
 * never read, so a client that declares a gigabyte is answered at once.
 */
export function bodyTooLarge(maxBytes: number): LeapError {
  return new LeapError('REQUEST.TOO_LARGE', `The request body is larger than the ${maxBytes} bytes allowed`, {
    status: 413,
    details: { maxBytes, headers: { Connection: 'close' } },
  });
}

/** 415 `REQUEST.UNSUPPORTED_MEDIA_TYPE`: a body that is not JSON, or in a charset or content coding the gateway does not read. */
export function unsupportedBody(detail: string): LeapError {
  return new LeapError('REQUEST.UNSUPPORTED_MEDIA_TYPE', detail, { status: 415, details: { accepted: 'application/json; charset=utf-8' } });
}

/** 400 `REQUEST.MALFORMED`: the request cannot be read at all (broken JSON, a broken compressed stream, bad percent-encoding). */
export function malformedRequest(detail: string): LeapError {
  return new LeapError('REQUEST.MALFORMED', detail, { status: 400 });
}

/** 400 `VALIDATION.FAILED` for text holding a NUL character, which no field of the API can store. */
export function nulCharacter(fields: string[]): LeapError {
  return validationError(fields.map((field) => ({ field, message: 'must not contain NUL characters' })));
}
