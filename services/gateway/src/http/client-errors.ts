import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { problemType, problemTitle, type ProblemDetails } from '../common/problem-details';

/** What Node's HTTP parser refuses before any route sees the request, and how it is answered. */
function answerFor(error: NodeJS.ErrnoException): { status: number; code: string; detail: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'REQUEST.HEADERS_TOO_LARGE', detail: 'The request headers are too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'REQUEST.TIMEOUT', detail: 'The request did not arrive in time' };
    default:
      return { status: 400, code: 'REQUEST.MALFORMED', detail: 'The request is not valid HTTP (a header with a control character, a broken request line or length)' };
  }
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

/**
 * Requests Node's parser refuses (a header with a control character, a broken request line) get
 * problem details like every other error, instead of a bare 400, and the connection is closed.
 */
export function answerClientErrors(server: Server, securityHeaders: Record<string, string>): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const { status, code, detail } = answerFor(error);
    const requestId = uuidv7();
    const problem: ProblemDetails = { type: problemType(code), title: problemTitle(code) ?? REASONS[status]!, status, detail, code, requestId };
    const body = JSON.stringify(problem);
    const head = [
      `HTTP/1.1 ${status} ${REASONS[status]}`,
      'Content-Type: application/problem+json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-ID: ${requestId}`,
      ...Object.entries(securityHeaders).map(([name, value]) => `${name}: ${value}`),
      'Connection: close',
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  });
}
