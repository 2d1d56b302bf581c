/**
 * HTTP helpers for the gateway's integration specs: one `call` that speaks to a running gateway
 * the way a client does, and the assertion every problem answer must pass.
 */

/** What a client saw of one answer. */
export interface Reply {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  body: any;
  /** The raw body. */
  text: string;
  /** Set-Cookie lines by cookie name. */
  setCookies: Record<string, string>;
}

/** How to send one request; `json` and `form` are exclusive (`json` wins). */
export interface CallOptions {
  /** Sent as `Authorization: Bearer <token>` (an access token or an API key). */
  token?: string;
  json?: unknown;
  form?: FormData;
  /** A raw body, sent with the `headers` given (say, a form's `content-type`). */
  body?: string;
  /** Sent as one `Cookie` header. */
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
}

export type Call = (method: string, path: string, options?: CallOptions) => Promise<Reply>;

/** A client of one gateway. */
export interface HttpClient {
  call: Call;
}

/**
 * A client of the gateway at `base` (`http://127.0.0.1:<port>`). `base` may be a function, so a
 * client can be made where the port is not known yet (a `describe` body) and used once it is.
 */
export function httpClient(base: string | (() => string)): HttpClient {
  const baseUrl = typeof base === 'string' ? () => base : base;
  async function call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.cookies) headers.cookie = Object.entries(options.cookies).map(([name, value]) => `${name}=${value}`).join('; ');
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) body = options.form;
    else if (options.body !== undefined) body = options.body;
    const response = await fetch(`${baseUrl()}${path}`, { method, headers, body });
    const text = await response.text();
    const setCookies: Record<string, string> = {};
    for (const line of response.headers.getSetCookie()) setCookies[line.slice(0, line.indexOf('='))] = line;
    return { status: response.status, headers: response.headers, body: parseJson(text), text, setCookies };
  }
  return { call };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Asserts an RFC 9457 problem answer as the gateway sends it: the status, the
 * `application/problem+json` content type, `{ status, code, type: urn:leap:problem:<code> }`, a
 * title, and the request id of the `X-Request-ID` header.
 */
export function expectProblem(reply: Reply, status: number, code: string): void {
  expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, code, type: `urn:leap:problem:${code}` });
  expect(typeof reply.body.title).toBe('string');
  expect(reply.body.requestId).toBe(reply.headers.get('x-request-id'));
}

/** A multipart upload body: the file under `file`, and a `title` when given. */
export function uploadForm(file: Buffer, filename: string, title?: string): FormData {
  const data = new FormData();
  if (title) data.append('title', title);
  data.append('file', new Blob([file]), filename);
  return data;
}

/** What came back on a raw connection: the status, the headers (lower-cased names) and the body. */
export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

/**
 * Speaks HTTP/1.1 over a plain socket, for requests a well-behaved client will not send: a header
 * with a control character, a body that stops short of its declared length, a connection closed
 * mid-upload. `head` is the request line and headers (CRLF-separated, without the blank line);
 * `body` chunks follow. With `closeAfterBody` the socket is destroyed right after the body: the
 * promise then resolves to undefined once the connection is gone. Otherwise it resolves to the
 * answer once the server has sent it (whatever is left of a declared body is never sent).
 */
export async function rawExchange(base: string, head: string, body: Buffer[] = [], options: { closeAfterBody?: boolean } = {}): Promise<RawReply | undefined> {
  const { createConnection } = await import('node:net');
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port) });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      const reply = parseRawReply(Buffer.concat(received));
      if (reply) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => resolve(parseRawReply(Buffer.concat(received))));
    socket.on('connect', async () => {
      socket.write(`${head}\r\n\r\n`);
      for (const chunk of body) {
        if (socket.destroyed) return;
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
      if (options.closeAfterBody) socket.destroy();
    });
  });
}

function parseRawReply(bytes: Buffer): RawReply | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) headers[line.slice(0, line.indexOf(':')).toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
  const length = Number(headers['content-length'] ?? 0);
  const rest = bytes.subarray(end + 4);
  if (rest.length < length) return undefined;
  const text = rest.subarray(0, length).toString('utf8');
  return { status: Number(statusLine!.split(' ')[1]), headers, body: parseJson(text), text };
}

/** Asserts a problem answer seen on a raw connection (see expectProblem). */
export function expectRawProblem(reply: RawReply | undefined, status: number, code: string): void {
  expect({ status: reply?.status, code: reply?.body?.code }).toEqual({ status, code });
  expect(reply!.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(reply!.body).toMatchObject({ status, code, type: `urn:leap:problem:${code}` });
  expect(reply!.body.requestId).toBe(reply!.headers['x-request-id']);
}
