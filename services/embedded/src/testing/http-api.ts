import { gatewayTestEnv, httpClient, signUp, type Account, type HttpClient } from '@leap/gateway-service/testing';

/**
 * What the embedded suites that drive the real services over the gateway's HTTP API share, on top
 * of the gateway's test client: the settings of such a world, accounts, and small mp4 uploads.
 */

/** Settings for a world the test drives over HTTP: quick logins, no rate limit, sweeps only when the test asks. */
export const HTTP_WORLD_ENV: Record<string, string> = gatewayTestEnv({
  AUTH_REQUIRE_VERIFIED_EMAIL: 'false',
  DATABASE_POOL_SIZE: '3',
  RETENTION_SWEEP_INTERVAL: '0ms',
  STUCK_SWEEP_INTERVAL: '0ms',
});

/** The gateway's API at `base` (read when called, so it can be set in beforeAll). */
export class ApiClient {
  private readonly client: HttpClient;
  readonly call: HttpClient['call'];

  constructor(base: () => string) {
    this.client = httpClient(base);
    this.call = this.client.call;
  }

  /** Registers `email` and logs in (the world does not require a verified address). */
  account(email: string): Promise<Account> {
    return signUp(this.client, email);
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
