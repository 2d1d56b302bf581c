/**
 * What the tests that drive the real services over the gateway's HTTP API share: the settings of
 * such a world, a client that answers the status and the parsed body, accounts, and small mp4
 * uploads.
 */

export const TEST_PASSWORD = 'Correct horse 1';

/** Settings for a world the test drives over HTTP: quick logins, no rate limit, sweeps only when the test asks. */
export const HTTP_WORLD_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256',
  PASSWORD_HASH_MEMORY_KIB: '1024',
  PASSWORD_HASH_PASSES: '1',
  AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
  OUTBOX_POLL_INTERVAL_MS: '200',
  // The tests poll the API while they wait for states.
  RATE_LIMIT_ANONYMOUS: '10000',
  RATE_LIMIT_USER: '10000',
  DATABASE_POOL_SIZE: '3',
  // Rounds run only when a test asks.
  RETENTION_SWEEP_INTERVAL: '0ms',
  STUCK_SWEEP_INTERVAL: '0ms',
};

export interface ApiReply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ApiAccount {
  id: string;
  token: string;
}

export interface ApiCall {
  token?: string;
  json?: unknown;
  form?: FormData;
  headers?: Record<string, string>;
}

/** The gateway's API at `base` (read when called, so it can be set in beforeAll). */
export class ApiClient {
  constructor(private readonly base: () => string) {}

  async call(method: string, path: string, init: ApiCall = {}): Promise<ApiReply> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    let body: string | FormData | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else body = init.form;
    const response = await fetch(`${this.base()}${path}`, { method, headers, body });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Registers `email` and logs in. */
  async account(email: string): Promise<ApiAccount> {
    const registered = await this.call('POST', '/api/v1/auth/register', { json: { email, password: TEST_PASSWORD } });
    expect(registered.status).toBe(201);
    const login = await this.call('POST', '/api/v1/auth/login', { json: { email, password: TEST_PASSWORD } });
    expect(login.status).toBe(200);
    return { id: registered.body.id, token: login.body.accessToken };
  }

  /** Uploads an mp4 of `bytes` bytes (an `ftyp` box, then padding) and answers the recording id; anything but 202 fails with the problem. */
  async uploadMp4(token: string, options: { title?: string; bytes?: number; filename?: string } = {}): Promise<string> {
    const content = Buffer.alloc(options.bytes ?? 2000, 7);
    content.write('\0\0\0\x18ftypisom', 0, 'latin1');
    const form = new FormData();
    if (options.title !== undefined) form.append('title', options.title);
    form.append('file', new Blob([content], { type: 'video/mp4' }), options.filename ?? 'lecture.mp4');
    const reply = await this.call('POST', '/api/v1/recordings', { token, form });
    expect({ status: reply.status, body: reply.status === 202 ? undefined : reply.body }).toEqual({ status: 202, body: undefined });
    return reply.body.id as string;
  }
}
