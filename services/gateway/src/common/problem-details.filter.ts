import { Catch, Inject, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { HttpRequest as Request, HttpResponse as Response } from './http-types';
import { LeapError } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { toProblem } from './problem-details';
import { requestIdOf } from './request-id.middleware';

/** Every error leaves the gateway as `application/problem+json` (RFC 9457) with a stable `code`. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const problem = toProblem(exception, request.originalUrl?.split('?')[0]);
    const requestId = requestIdOf(request);
    if (requestId) problem.requestId = requestId;
    if (problem.status >= 500) {
      const error = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(`${request.method} ${request.originalUrl} failed: ${error.message}`, { code: problem.code, stack: error.stack });
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
}
