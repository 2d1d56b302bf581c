import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { headerOf } from '../common/http-types';
import { RESET_PAGE_SCRIPT } from '../identity/pages';

/** A CSP hash source for an inline script the gateway itself serves. */
function scriptHash(script: string): string {
  return `'sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}'`;
}

/** One year, the usual HSTS lifetime; HTTPS only, so plain-HTTP development is not pinned. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * The headers every answer carries (helmet): `X-Content-Type-Options: nosniff`, no framing
 * (`X-Frame-Options: DENY`, `frame-ancestors 'none'`), a Content-Security-Policy under which the
 * API reference (Swagger UI, every asset from the gateway) and the password-reset form still work,
 * no referrer, and isolation of the browsing context. HSTS is sent only on HTTPS: a request that
 * came over TLS, or through `trustedProxyHops` proxies that say `X-Forwarded-Proto: https`.
 */
export function securityHeaders(trustedProxyHops: number) {
  const headers = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'", scriptHash(RESET_PAGE_SCRIPT)],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  return (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void => {
    if (servedOverHttps(request, trustedProxyHops)) response.setHeader('Strict-Transport-Security', HSTS);
    headers(request, response, next);
  };
}

/** The request reached the gateway over TLS, or its trusted proxy says the client used HTTPS. */
export function servedOverHttps(request: IncomingMessage, trustedProxyHops: number): boolean {
  if ((request.socket as { encrypted?: boolean }).encrypted) return true;
  if (trustedProxyHops <= 0) return false;
  const proto = (headerOf(request, 'x-forwarded-proto') ?? '').split(',').map((p) => p.trim().toLowerCase());
  return proto[proto.length - 1] === 'https';
}
