import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server, type ServerOptions } from '@tus/server';
import type { CancellationContext, DataStore } from '@tus/utils';
import { LeapError } from '@leap/errors';
import { validationError } from '../common/problem-details';
import { RequestAbortedError } from '../http/json-body';
import { offsetMismatch, uploadBusy, uploadExpired, uploadNotFound } from './problems';

/** What tus's handlers threw for the request (a LeapError of a hook, or one of tus's own errors). */
const THROWN = Symbol('leap:tus-thrown');

type TusRequest = IncomingMessage & { [THROWN]?: unknown };

/**
 * The tus server as the gateway runs it: every refusal leaves as the gateway's problem details
 * (thrown to the route, which the problem filter answers) instead of tus's plain-text bodies, and
 * the CORS headers tus adds on its own are left out (the gateway's CORS policy is its own).
 */
export class GatewayTusServer extends Server {
  constructor(options: Omit<ServerOptions, 'onResponseError' | 'locker'> & Partial<Pick<ServerOptions, 'locker'>> & { datastore: DataStore }) {
    super({
      ...options,
      onResponseError: (req, _res, error) => {
        (req as TusRequest)[THROWN] = error;
        return undefined;
      },
    });
  }

  /** Serves one tus request; a refusal rejects with the LeapError to answer. */
  override async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // The route was chosen (and access checked) by the real method: tus must not serve another.
    delete req.headers['x-http-method-override'];
    const setHeader = res.setHeader;
    res.setHeader = function (this: ServerResponse, name: string, value: number | string | readonly string[]) {
      return /^access-control-/i.test(name) ? this : setHeader.call(this, name, value);
    } as typeof res.setHeader;
    try {
      await super.handle(req, res);
    } finally {
      res.setHeader = setHeader;
    }
  }

  override write(context: CancellationContext, req: IncomingMessage, res: ServerResponse, status: number, body = '', headers = {}): ServerResponse {
    if (status < 400) return super.write(context, req, res, status, body, headers);
    // A client gone mid-request gets no answer (the request stream itself ends destroyed once read, so the socket is asked).
    if (res.destroyed || req.socket?.destroyed) throw new RequestAbortedError();
    throw problemOf(status, body, (req as TusRequest)[THROWN]);
  }
}

/** The problem for an error answer tus was about to write. */
export function problemOf(status: number, body: string, thrown: unknown): LeapError | unknown {
  if (thrown instanceof LeapError) return thrown;
  const detail = body.trim();
  switch (status) {
    case 400:
      return validationError([{ field: 'headers', message: detail || 'the tus request is not valid' }]);
    case 404:
      return uploadNotFound('at this address');
    case 409:
      return offsetMismatch();
    case 410:
      return uploadExpired('at this address');
    case 413:
      return new LeapError('UPLOAD.TOO_LARGE', 'The upload is larger than its Upload-Length', { status: 413 });
    default:
      // A lock held past its timeout is the only 5xx tus raises on its own; anything else is a fault.
      if (detail === 'failed to acquire lock before timeout') return uploadBusy();
      return thrown instanceof Error ? thrown : new Error(`tus answered ${status}: ${detail}`);
  }
}
