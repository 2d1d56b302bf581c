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

/** The status an access line gives a request whose client closed the connection before the answer (as nginx does). */
export const CLIENT_CLOSED = 499;

/**
 * The request id of a request the middleware never saw (Express refused it while routing, e.g. a
 * path that cannot be decoded): one is made now, so its problem answer carries one too.
 */
export function ensureRequestId(request: Request, response: ServerResponse): string {
  const known = requestIdOf(request);
  if (known) return known;
  const id = uuidv7();
  (request as unknown as Record<symbol, string>)[REQUEST_ID] = id;
  if (!response.headersSent) response.setHeader('X-Request-ID', id);
  return id;
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
      // A client that goes away before its answer (an upload broken off) gets a line too, as 499.
      response.once('close', () => {
        if (!response.writableFinished) this.logAccess(request.method ?? 'GET', path, CLIENT_CLOSED, started, id, optionalPrincipalOf(request)?.userId);
      });
    }
    logContext.run({ requestId: id }, () => next());
  }

  private logAccess(method: string, path: string, status: number, started: bigint, requestId: string, userId: string | undefined): void {
    const durationMs = Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100;
    const outcome = status === CLIENT_CLOSED ? 'closed by the client after' : String(status);
    this.logger.log(status >= 500 || status === CLIENT_CLOSED ? 'warn' : 'info', `${method} ${path} ${outcome} ${durationMs}ms`, {
      requestId,
      userId,
      http: { method, path, status, durationMs },
    });
  }
}
