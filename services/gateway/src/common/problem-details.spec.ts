import { NotFoundException } from '@nestjs/common';
import { LeapError } from '@leap/messaging';
import { toProblem, validationError } from './problem-details';

describe('problem details', () => {
  it('maps a LeapError through its code, status and public details', () => {
    const error = new LeapError('QUOTA.EXCEEDED', 'Monthly limit reached', { status: 429, details: { limit: 3, used: 3, headers: { 'X-Private': '1' } } });
    expect(toProblem(error, '/api/v1/recordings')).toEqual({
      type: 'urn:leap:problem:QUOTA.EXCEEDED',
      title: 'Quota exceeded',
      status: 429,
      detail: 'Monthly limit reached',
      instance: '/api/v1/recordings',
      code: 'QUOTA.EXCEEDED',
      limit: 3,
      used: 3,
    });
  });

  it('lists the invalid fields of a validation error', () => {
    expect(toProblem(validationError([{ field: 'password', message: 'must be at least 8 characters' }]))).toMatchObject({
      status: 400,
      code: 'VALIDATION.FAILED',
      errors: [{ field: 'password', message: 'must be at least 8 characters' }],
    });
  });

  it('keeps internals out of unknown errors', () => {
    const problem = toProblem(new Error('connection refused at 10.0.0.5:5432'));
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(JSON.stringify(problem)).not.toContain('10.0.0.5');
    expect(toProblem(new LeapError('DB.BROKEN', 'secret detail', { details: { stack: 'x' } }))).toMatchObject({ status: 500, code: 'INTERNAL' });
    expect(toProblem(new NotFoundException())).toMatchObject({ status: 404, code: 'HTTP.NOT_FOUND' });
  });
});
