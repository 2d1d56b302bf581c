import { Catch, Inject, NotFoundException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from './http-types';
import { LeapError } from '@leap/errors';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { toProblem } from './problem-details';
import { ensureRequestId } from './request-id.middleware';
import { allowedMethods, methodNotAllowed } from '../http/allowed-methods';
import { RequestAbortedError } from '../http/json-body';

/** Query values that are secrets (an OAuth code or state, a link's token, a pasted access token) never reach a log line. */
const SECRET_QUERY = /^(code|state|token|access_token|refresh_token|device_id)$/i;

/** The request URL as a log may show it: secret query values replaced by `***`. */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_QUERY.test(decodeURIComponentSafe(name)) ? `${name}=***` : pair;
    })
    .join('&');
  return `${url.slice(0, at)}?${query}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Every error leaves the gateway as `application/problem+json` (RFC 9457) with a stable `code`. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (thrown instanceof RequestAbortedError) {
      // The client has gone; the access log records the request as closed by it.
      response.destroy();
      return;
    }
    const exception = this.methodMismatch(thrown, request) ?? thrown;
    const problem = toProblem(exception, request.originalUrl?.split('?')[0]);
    problem.requestId = ensureRequestId(request, response);
    if (problem.status >= 500) {
      const error = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(`${request.method} ${loggableUrl(request.originalUrl ?? '')} failed: ${error.message}`, { code: problem.code, stack: error.stack });
    }
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const retryAfter = exception instanceof LeapError ? exception.details?.retryAfterSeconds : undefined;
    if (typeof retryAfter === 'number' && retryAfter >= 0) response.setHeader('Retry-After', String(Math.ceil(retryAfter)));
    const headers = exception instanceof LeapError ? exception.details?.headers : undefined;
    if (headers && typeof headers === 'object') for (const [k, v] of Object.entries(headers)) response.setHeader(k, String(v));
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }

  /** A path that no route takes with this method, but some route takes with others: 405 with `Allow`, not 404. */
  private methodMismatch(exception: unknown, request: Request) {
    if (!(exception instanceof NotFoundException)) return undefined;
    const method = (request.method ?? 'GET').toUpperCase();
    const allowed = allowedMethods(request);
    return allowed.length > 0 && !allowed.includes(method) ? methodNotAllowed(method, allowed) : undefined;
  }
}
