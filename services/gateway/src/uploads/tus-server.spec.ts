import { LeapError } from '@leap/errors';
import { problemOf } from './tus-server';

/** What tus would have answered in plain text, and the problem the gateway answers instead. */
describe('problemOf', () => {
  const codeOf = (status: number, body: string, thrown?: unknown) => {
    const problem = problemOf(status, body, thrown);
    return problem instanceof LeapError ? { code: problem.code, status: problem.status } : problem;
  };

  it('maps each refusal of tus to a documented code at its status', () => {
    expect(codeOf(409, 'Upload-Offset conflict\n')).toEqual({ code: 'UPLOAD.OFFSET_MISMATCH', status: 409 });
    expect(codeOf(410, 'The file for this url no longer exists\n')).toEqual({ code: 'UPLOAD.EXPIRED', status: 410 });
    expect(codeOf(404, 'The file for this url was not found\n')).toEqual({ code: 'UPLOAD.NOT_FOUND', status: 404 });
    expect(codeOf(413, "upload's size exceeded\n")).toEqual({ code: 'UPLOAD.TOO_LARGE', status: 413 });
    expect(codeOf(400, 'Invalid upload-offset\n')).toEqual({ code: 'VALIDATION.FAILED', status: 400 });
    expect(codeOf(500, 'failed to acquire lock before timeout')).toEqual({ code: 'UPLOAD.BUSY', status: 503 });
  });

  it("answers a hook's own error as it is, and leaves any other fault a fault", () => {
    const refused = new LeapError('UPLOAD.UNSUPPORTED_TYPE', 'no', { status: 415 });
    expect(problemOf(500, 'Something went wrong with that request\n', refused)).toBe(refused);
    const broken = new Error('disk full');
    expect(problemOf(500, 'Something went wrong receiving the file\n', broken)).toBe(broken);
    expect(problemOf(500, 'Something went wrong\n', undefined)).toBeInstanceOf(Error);
  });
});
