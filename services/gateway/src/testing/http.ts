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
