import { errorCode, isRetryable, LeapError } from './leap-error';

describe('LeapError', () => {
  it('carries a stable code, whether to retry, an HTTP status and details', () => {
    const cause = new Error('socket hang up');
    const error = new LeapError('MEDIA.STORAGE_UNAVAILABLE', 'Storage did not answer', { retryable: true, status: 503, details: { bucket: 'leap' }, cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'LeapError', code: 'MEDIA.STORAGE_UNAVAILABLE', retryable: true, status: 503, details: { bucket: 'leap' } });
    expect(error.cause).toBe(cause);
    expect(new LeapError('MEDIA.NO_AUDIO', 'no audio')).toMatchObject({ retryable: false, status: 500 });
  });

  it('names subclasses after themselves', () => {
    class NotFound extends LeapError {}
    expect(new NotFound('X.NOT_FOUND', 'gone').name).toBe('NotFound');
  });
});

describe('isRetryable and errorCode', () => {
  it("follow a LeapError's flag and code", () => {
    expect(isRetryable(new LeapError('A.B', 'x', { retryable: true }))).toBe(true);
    expect(isRetryable(new LeapError('A.B', 'x'))).toBe(false);
    expect(errorCode(new LeapError('A.B', 'x'))).toBe('A.B');
  });

  it('count errors of code we do not own as retryable unless they say otherwise', () => {
    expect(isRetryable(new Error('ECONNRESET'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('bad'), { retryable: false }))).toBe(false);
    expect(errorCode(new TypeError('x'))).toBe('TypeError');
    expect(errorCode('a string')).toBe('UNKNOWN');
  });
});
