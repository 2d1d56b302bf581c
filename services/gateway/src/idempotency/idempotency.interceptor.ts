import { HttpException, Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { LeapError } from '@leap/errors';
import { SERVICE_LOGGER } from '@leap/platform';
import { catchError, concatMap, from, of, tap, throwError, type Observable } from 'rxjs';
import type { Logger } from 'winston';
import { IDEMPOTENT_ROUTE, type IdempotentOptions } from '../access/decorators';
import { optionalPrincipalOf } from '../access/principal';
import { headerOf, type HttpRequest as Request, type HttpResponse as Response } from '../common/http-types';
import { toProblem } from '../common/problem-details';
import { idempotencyKeyOf, REPLAYED_HEADER, requestFingerprint, requestPath, wasReplayed } from './idempotency-key';
import { answerToReplay, IdempotencyStore, type IdempotentRequest, type StoredAnswer } from './idempotency.store';

/** The answer headers a replay repeats. */
const KEPT_HEADERS = ['Location', 'Content-Type'];

/** Problem members that belong to one answer only, not to its replays. */
const PER_ANSWER_MEMBERS = new Set(['instance', 'requestId']);

function isJsonValue(value: unknown): boolean {
  if (value === null || value === undefined || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return true;
  return typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** The answer as it is stored: without the members that must never be kept (a secret shown once). */
function withoutMembers(body: unknown, names: string[]): unknown {
  if (names.length === 0 || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([name]) => !names.includes(name)));
}

function statusOf(error: unknown): number {
  if (error instanceof LeapError) return error.status;
  if (error instanceof HttpException) return error.getStatus();
  return 500;
}

/**
 * `Idempotency-Key` on routes marked `@Idempotent()`, per caller:
 * - first use: the key is claimed, the handler runs, and its answer (2xx or 4xx) is stored; a 5xx
 *   or an unexpected error lets the key go, so the client can retry;
 * - the same request again (method, path and canonical JSON body): the stored answer is replayed
 *   with `Idempotent-Replayed: true`, and the handler does not run;
 * - another request with the key: 422 `IDEMPOTENCY.KEY_REUSED`;
 * - while the first still runs: 409 `IDEMPOTENCY.IN_PROGRESS` with `Retry-After: 1`.
 * Multipart uploads cannot be fingerprinted without reading them, so their route applies the same
 * rules itself; this interceptor only adds the header when it marked the request as replayed.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly store: IdempotencyStore,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const options = this.reflector.getAllAndOverride<Required<IdempotentOptions> | undefined>(IDEMPOTENT_ROUTE, [context.getHandler(), context.getClass()]);
    if (!options) return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    if (/^multipart\/form-data/i.test(headerOf(request, 'content-type') ?? '')) {
      return next.handle().pipe(tap(() => wasReplayed(request) && response.setHeader(REPLAYED_HEADER, 'true')));
    }
    const key = idempotencyKeyOf(request);
    const principal = optionalPrincipalOf(request);
    if (key === undefined || !principal) return next.handle();

    const method = (request.method ?? 'POST').toUpperCase();
    const path = requestPath(request);
    const use: IdempotentRequest = { scope: principal.userId, key, method, path, fingerprint: requestFingerprint(method, path, (request as Request & { body?: unknown }).body) };
    const claim = await this.store.claim(use);
    if (!claim.claimed) return this.replay(answerToReplay(claim.existing, use.fingerprint), response);

    const status = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? (method === 'POST' ? 201 : 200);
    return next.handle().pipe(
      concatMap(async (body) => {
        await this.answered(use, status, withoutMembers(body, options.notStored), response);
        return body;
      }),
      catchError((error: unknown) => from(this.failed(use, error)).pipe(concatMap(() => throwError(() => error)))),
    );
  }

  /** The stored answer again: a 2xx as the route's result, a 4xx as the problem it was. */
  private replay(answer: StoredAnswer, response: Response): Observable<unknown> {
    response.setHeader(REPLAYED_HEADER, 'true');
    if (answer.status >= 400) {
      const { code, detail, status, type: _type, title: _title, ...members } = answer.body as Record<string, unknown>;
      const details = Object.fromEntries(Object.entries(members).filter(([name]) => !PER_ANSWER_MEMBERS.has(name)));
      return throwError(() => new LeapError(String(code), String(detail ?? ''), { status: Number(status), details }));
    }
    for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
    response.status(answer.status);
    return of(answer.body ?? undefined);
  }

  private async answered(use: IdempotentRequest, status: number, body: unknown, response: Response): Promise<void> {
    if (!isJsonValue(body)) {
      this.logger.warn(`${use.method} ${use.path} answered with something other than JSON; its Idempotency-Key is not kept`);
      await this.store.release(use);
      return;
    }
    await this.store.complete(use, { status, headers: this.keptHeaders(response), body: body ?? null });
  }

  /** A 4xx is the final answer and is stored; anything else lets the key go so a retry runs again. */
  private async failed(use: IdempotentRequest, error: unknown): Promise<void> {
    const status = statusOf(error);
    try {
      if (status >= 400 && status < 500) {
        const problem = Object.fromEntries(Object.entries(toProblem(error)).filter(([name]) => !PER_ANSWER_MEMBERS.has(name)));
        await this.store.complete(use, { status, headers: { 'Content-Type': 'application/problem+json' }, body: problem });
      } else {
        await this.store.release(use);
      }
    } catch (storeError) {
      this.logger.error(`could not settle Idempotency-Key of ${use.method} ${use.path}: ${(storeError as Error).message}`);
    }
  }

  private keptHeaders(response: Response): Record<string, string> {
    const kept: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = response.getHeader(name);
      if (value !== undefined) kept[name] = String(value);
    }
    return kept;
  }
}
