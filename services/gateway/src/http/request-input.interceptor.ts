import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import { SERVICE_CONFIG } from '@leap/platform';
import { checkPathSegment } from '@leap/storage-client';
import type { HttpRequest } from '../common/http-types';
import type { GatewayConfig } from '../config/config.schema';
import { bodyMediaType, checkParameters, hasBody, isJsonType, readJsonBody, type JsonBodyLimits } from './json-body';
import { unsupportedBody } from './problems';
import { STREAMED_BODY } from './streamed-body';

type InputConfig = Pick<GatewayConfig, 'REQUEST_BODY_MAX_BYTES'>;

/** The deepest nesting a JSON body may have. */
const MAX_DEPTH = 32;

/**
 * What the routes receive, read once the caller has passed the access checks (so an anonymous
 * caller of a private route never gets its body read): path and query values without NUL
 * characters (and path parameters that stay one segment), and a JSON body within the size limit. Form bodies and anything else that is not
 * JSON are refused with 415, which also keeps a cross-site HTML form from reaching a JSON route.
 * A route marked `@StreamedBody()` reads its own body.
 */
@Injectable()
export class RequestInputInterceptor implements NestInterceptor {
  private readonly limits: JsonBodyLimits;

  constructor(
    private readonly reflector: Reflector,
    @Inject(SERVICE_CONFIG) config: InputConfig,
  ) {
    this.limits = { maxBytes: config.REQUEST_BODY_MAX_BYTES, maxDepth: MAX_DEPTH };
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<HttpRequest & { body?: unknown; params?: Record<string, unknown>; query?: Record<string, unknown> }>();
    checkParameters('path', request.params);
    checkParameters('query', request.query);
    // A path parameter is one segment: an encoded slash or dot segment (`%2F`, `%2e%2e`) decoded
    // into it could walk out of a storage folder further on. STORAGE.UNSAFE_PATH, before any use.
    for (const [name, value] of Object.entries(request.params ?? {})) if (typeof value === 'string') checkPathSegment(`path.${name}`, value);
    const streamed = this.reflector.getAllAndOverride<string | undefined>(STREAMED_BODY, [context.getHandler(), context.getClass()]);
    if (streamed !== undefined || !hasBody(request)) return next.handle();
    const media = bodyMediaType(request);
    if (!media || !isJsonType(media.type)) {
      throw unsupportedBody(`This route takes a JSON body (Content-Type: application/json); got ${media ? `"${media.type}"` : 'no Content-Type'}`);
    }
    try {
      request.body = await readJsonBody(request, this.limits);
    } catch (error) {
      // What is left of the body is not read: the connection cannot carry another request.
      if (!request.complete) context.switchToHttp().getResponse<ServerResponse>().setHeader('Connection', 'close');
      throw error;
    }
    return next.handle();
  }
}
