import { NotFoundException } from '@nestjs/common';
import { LeapError } from '@leap/errors';
import { toProblem, validationError } from './problem-details';
import { loggableUrl } from './problem-details.filter';

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

describe('loggableUrl', () => {
  it('hides the values of secret query parameters and keeps the rest', () => {
    expect(loggableUrl('/api/v1/oauth/vk/callback?code=abc&state=n.s&device_id=d&type=code_v2')).toBe('/api/v1/oauth/vk/callback?code=***&state=***&device_id=***&type=code_v2');
    expect(loggableUrl('/api/v1/auth/verify-email?token=t')).toBe('/api/v1/auth/verify-email?token=***');
    expect(loggableUrl('/api/v1/recordings?page=2')).toBe('/api/v1/recordings?page=2');
    expect(loggableUrl('/api/v1/recordings')).toBe('/api/v1/recordings');
  });
});
