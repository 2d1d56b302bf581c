import type { IncomingMessage, ServerResponse } from 'node:http';

/** The parts of Express's request the gateway uses (no Express types are installed). */
export interface HttpRequest extends IncomingMessage {
  originalUrl?: string;
}

/** The parts of Express's response the gateway uses. */
export interface HttpResponse extends ServerResponse {
  status(code: number): this;
  type(contentType: string): this;
  send(body: string | Buffer): this;
}

/** The first value of a request header. */
export function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
