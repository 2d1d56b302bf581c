import type { HttpResponse } from '../common/http-types';

/**
 * Writes an answer of a route that negotiates between an HTML page and JSON. Token links must not
 * be cached or leak through the Referer header, and caches must key on Accept.
 */
export function sendNegotiated(response: HttpResponse, status: number, body: { html: string } | { json: unknown }): void {
  response.setHeader('Vary', 'Accept');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Referrer-Policy', 'no-referrer');
  if ('html' in body) response.status(status).type('text/html; charset=utf-8').send(body.html);
  else response.status(status).type('application/json; charset=utf-8').send(JSON.stringify(body.json));
}
