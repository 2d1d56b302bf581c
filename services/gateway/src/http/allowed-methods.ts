import { LeapError } from '@leap/errors';
import type { HttpRequest } from '../common/http-types';

/** The parts of Express 5's router this reads: each route layer, whether it matches a path, and its methods. */
interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/** Catch-all middleware routes (the request id for every method on `{*path}`) are no endpoints. */
const CATCH_ALL = /^\/\{\*\w+\}$/;

/**
 * The methods the routes at the request's path take (HEAD wherever GET is), or an empty list when
 * no route has the path at all. Read from the router itself, so every route counts the day it lands.
 */
export function allowedMethods(request: HttpRequest): string[] {
  const app = (request as unknown as { app?: { router?: { stack?: RouterLayer[] } } }).app;
  const path = (request.originalUrl ?? request.url ?? '/').split('?')[0]!;
  const methods = new Set<string>();
  for (const layer of app?.router?.stack ?? []) {
    if (!layer.route || CATCH_ALL.test(layer.route.path)) continue;
    let matches = false;
    try {
      matches = layer.match(path);
    } catch {
      // An undecodable path matches nothing.
    }
    if (!matches) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') methods.add(method.toUpperCase());
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}

/** 405 `HTTP.METHOD_NOT_ALLOWED` with the `Allow` header (RFC 9110, 15.5.6). */
export function methodNotAllowed(method: string, allowed: string[]): LeapError {
  return new LeapError('HTTP.METHOD_NOT_ALLOWED', `${method} is not allowed here; this path takes ${allowed.join(', ')}`, {
    status: 405,
    details: { allowed, headers: { Allow: allowed.join(', ') } },
  });
}
