import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'winston';
import { logContext } from '@leap/logging';
import { SERVICE_LOGGER } from '@leap/platform';
import { v7 as uuidv7 } from 'uuid';
import { optionalPrincipalOf } from '../access/principal';
import { headerOf, type HttpRequest as Request } from './http-types';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;
const REQUEST_ID = Symbol('leap:request-id');

/** The request id of a request, as the middleware accepted or generated it. */
export function requestIdOf(request: Request): string | undefined {
  return (request as unknown as Record<symbol, string | undefined>)[REQUEST_ID];
}

/** Probes call these every few seconds: their lines would drown everything else. */
const UNLOGGED = /^\/health(\/|$)/;

/**
 * Accepts the caller's `X-Request-ID` (when it is a reasonable token) or generates one, echoes it
 * on the response and puts it into the log context for everything the request does. When the
 * answer has gone out, one access line records method, path (never the query, which may hold a
 * token), status and duration, with the request and user ids.
 */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  constructor(@Inject(SERVICE_LOGGER) private readonly logger: Logger) {}

  use(request: Request, response: ServerResponse, next: (error?: unknown) => void): void {
    const given = headerOf(request, 'x-request-id');
    const id = given && ACCEPTABLE.test(given) ? given : uuidv7();
    (request as unknown as Record<symbol, string>)[REQUEST_ID] = id;
    response.setHeader('X-Request-ID', id);
    const started = process.hrtime.bigint();
    const path = (request.originalUrl ?? request.url ?? '/').split('?')[0]!;
    if (!UNLOGGED.test(path)) {
      response.once('finish', () => this.logAccess(request.method ?? 'GET', path, response.statusCode, started, id, optionalPrincipalOf(request)?.userId));
    }
    logContext.run({ requestId: id }, () => next());
  }

  private logAccess(method: string, path: string, status: number, started: bigint, requestId: string, userId: string | undefined): void {
    const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
    this.logger.log(status >= 500 ? 'warn' : 'info', `${method} ${path} ${status} ${durationMs}ms`, {
      requestId,
      userId,
      http: { method, path, status, durationMs },
    });
  }
}
