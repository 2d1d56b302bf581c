import { HttpException } from '@nestjs/common';
import { LeapError } from '@leap/errors';

/** An RFC 9457 problem details body, with the platform's stable `code` and extension members. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  requestId?: string;
  [extension: string]: unknown;
}

/** Problem `type` URIs are `urn:leap:problem:<code>`; docs/api.md lists every code. */
export function problemType(code: string): string {
  return `urn:leap:problem:${code}`;
}

const TITLES: Record<string, string> = {
  'IDEMPOTENCY.KEY_REUSED': 'Idempotency key reused with another request',
  'AUTH.INVALID_CREDENTIALS': 'Invalid email or password',
  'AUTH.EMAIL_TAKEN': 'Email already registered',
  'AUTH.UNAUTHENTICATED': 'Authentication required',
  'VALIDATION.FAILED': 'The request is not valid',
  'REQUEST.MALFORMED': 'The request could not be read',
  'REQUEST.TOO_LARGE': 'Request body too large',
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 'Unsupported request body',
  'RECORDING.NOT_FOUND': 'Recording not found',
  'ARTIFACT.NOT_READY': 'Artifact not ready',
  'UPLOAD.UNSUPPORTED_TYPE': 'Unsupported media type',
  'UPLOAD.EMPTY': 'Empty file',
  'UPLOAD.TOO_LARGE': 'File too large',
  'UPLOAD.NOT_MULTIPART': 'Expected a multipart upload',
  'UPLOAD.FAILED': 'The upload could not be stored',
  'QUOTA.EXCEEDED': 'Quota exceeded',
  'QUOTA.UNAVAILABLE': 'Quota service unavailable',
  'HTTP.NOT_FOUND': 'Not found',
  'HTTP.METHOD_NOT_ALLOWED': 'Method not allowed',
  INTERNAL: 'Internal server error',
};

/** Feature modules register the titles of the codes they raise (docs/api.md lists them all). */
export function registerProblemTitles(titles: Record<string, string>): void {
  Object.assign(TITLES, titles);
}

/** Every code with a registered title (the problems the gateway can answer with). */
export function registeredProblemCodes(): string[] {
  return Object.keys(TITLES).sort();
}

/** The title of a code, for documentation. */
export function problemTitle(code: string): string | undefined {
  return TITLES[code];
}

const HTTP_CODES: Record<number, string> = {
  400: 'REQUEST.MALFORMED',
  401: 'AUTH.UNAUTHENTICATED',
  404: 'HTTP.NOT_FOUND',
  405: 'HTTP.METHOD_NOT_ALLOWED',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
};

/**
 * A client error raised by Express or Node's HTTP plumbing (http-errors: `status` and `expose`),
 * such as a path whose percent-encoding cannot be decoded.
 */
function plumbingClientError(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : undefined;
}

/** Extension members a LeapError may carry in `details` that must never reach a client. */
const PRIVATE_DETAILS = new Set(['stack', 'cause', 'headers']);

/** Maps anything thrown while serving a request to problem details. */
export function toProblem(error: unknown, instance?: string): ProblemDetails {
  if (error instanceof LeapError && error.status >= 400 && error.status < 500) {
    const problem: ProblemDetails = {
      type: problemType(error.code),
      title: TITLES[error.code] ?? error.code,
      status: error.status,
      detail: error.message,
      instance,
      code: error.code,
    };
    for (const [key, value] of Object.entries(error.details ?? {})) {
      if (!PRIVATE_DETAILS.has(key) && !(key in problem) && value !== undefined) problem[key] = value;
    }
    return problem;
  }
  if (error instanceof LeapError && error.status >= 500 && error.status !== 500) {
    // Unavailable dependencies (503) and timeouts (504): say what, never how.
    return { type: problemType(error.code), title: TITLES[error.code] ?? error.code, status: error.status, detail: error.message, instance, code: error.code };
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    const code = HTTP_CODES[status] ?? `HTTP.${status}`;
    return { type: problemType(code), title: TITLES[code] ?? error.name, status, detail: error.message, instance, code };
  }
  const plumbing = plumbingClientError(error);
  if (plumbing !== undefined) {
    const code = HTTP_CODES[plumbing] ?? 'REQUEST.MALFORMED';
    const status = HTTP_CODES[plumbing] ? plumbing : 400;
    return { type: problemType(code), title: TITLES[code]!, status, detail: (error as Error).message, instance, code };
  }
  return {
    type: problemType('INTERNAL'),
    title: TITLES.INTERNAL!,
    status: 500,
    detail: 'Something went wrong on our side. Quote the request id when reporting it.',
    instance,
    code: 'INTERNAL',
  };
}

export interface FieldError {
  field: string;
  message: string;
}

/** A 400 `VALIDATION.FAILED` carrying one entry per invalid field. */
export function validationError(errors: FieldError[]): LeapError {
  return new LeapError('VALIDATION.FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { status: 400, details: { errors } });
}
