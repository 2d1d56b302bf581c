import { LeapError } from '@leap/errors';
import { retryDelayOf } from './jobs-runtime';

describe('when a failed job is tried again', () => {
  it('follows the delay the error asks for, and otherwise leaves it to the backoff', () => {
    expect(retryDelayOf(new LeapError('X.Y', 'later', { retryable: true, details: { retryInMs: 1500.4 } }))).toBe(1500);
    expect(retryDelayOf(new LeapError('X.Y', 'now', { retryable: true, details: { retryInMs: 0 } }))).toBe(0);
    expect(retryDelayOf(new LeapError('X.Y', 'no say', { retryable: true }))).toBeUndefined();
    expect(retryDelayOf(new LeapError('X.Y', 'bad', { retryable: true, details: { retryInMs: -1 } }))).toBeUndefined();
    expect(retryDelayOf(new Error('plain'))).toBeUndefined();
  });
});
