import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { headerOf, type HttpRequest as Request } from './http-types';
import { v7 as uuidv7 } from 'uuid';
import { logContext } from '@leap/logging';

const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;
const REQUEST_ID = Symbol('leap:request-id');

/** The request id of a request, as the middleware accepted or generated it. */
export function requestIdOf(request: Request): string | undefined {
  return (request as unknown as Record<symbol, string | undefined>)[REQUEST_ID];
}

/**
 * Accepts the caller's `X-Request-ID` (when it is a reasonable token) or generates one, echoes it
 * on the response and puts it into the log context for everything the request does.
 */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(request: Request, response: ServerResponse, next: (error?: unknown) => void): void {
    const given = headerOf(request, 'x-request-id');
    const id = given && ACCEPTABLE.test(given) ? given : uuidv7();
    (request as unknown as Record<symbol, string>)[REQUEST_ID] = id;
    response.setHeader('X-Request-ID', id);
    logContext.run({ requestId: id }, () => next());
  }
}
