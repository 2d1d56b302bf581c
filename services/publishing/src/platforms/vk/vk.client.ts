import { randomBytes } from 'node:crypto';
import { LeapError } from '@leap/errors';
import { CredentialRevokedError, platformError } from '../platform-errors';

/** Where VK's endpoints are, and the VK ID app the tokens were issued to. */
export interface VkEndpoints {
  /** `https://api.vk.com/method` */
  apiBaseUrl: string;
  /** `https://id.vk.com` */
  idBaseUrl: string;
  clientId: string;
  /** The API version every call names (`v`), e.g. `5.131`. */
  apiVersion: string;
}

/** A VK account's tokens: VK ID ones refresh with the device id they were issued to; an implicit-flow token does not refresh. */
export interface VkTokens {
  accessToken: string;
  refreshToken?: string;
  deviceId?: string;
}

/** An account's tokens for one piece of work: refreshed once when VK says the access token no longer works, and the new ones handed back to be stored. */
export interface VkAccount {
  tokens: VkTokens;
  onRefreshed(tokens: VkTokens): Promise<void>;
  /** Runs each API call within the account's rate limit and circuit (a `PlatformGate`). */
  throttle?<T>(call: () => Promise<T>): Promise<T>;
}

/** `video.save`'s parameters (VK's own names). */
export interface VkVideoSave {
  name: string;
  description: string;
  groupId?: number;
  albumId?: number;
  privacyView: number;
  privacyComment: number;
  wallpost: boolean;
  noComments: boolean;
  repeat: boolean;
  compression: boolean;
}

export interface VkFile {
  size: number;
  name: string;
  contentType: string;
  /** The file's bytes, from the start. */
  open(): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
}

type Fetch = typeof fetch;

/** VK's `privacy_view`/`privacy_comment` values 0 to 3 (all, friends, friends of friends, only me). */
const PRIVACY = ['all', 'friends', 'friends_of_friends', 'only_me'];

/** VK error codes that mean "slow down" (6: too many requests per second, 9: flood control, 29: rate limit reached). */
const RATE_CODES = new Set([6, 9, 29]);

/**
 * The VK API as an uploader needs it (`video.save`, the upload POST, `video.delete`) and VK ID's
 * token endpoint (the code exchange with PKCE, and refresh). VK answers API errors as HTTP 200
 * with `{error: {error_code, error_msg}}`: code 5 refreshes the access token once (VK ID tokens)
 * and is `PUBLISHING.CREDENTIAL_REVOKED` when that is refused or impossible; 6, 9 and 29 are
 * `PUBLISHING.RATE_LIMITED`, 10 `PUBLISHING.PLATFORM_ERROR` (both retryable); the rest refusals.
 */
export class VkClient {
  constructor(
    private readonly endpoints: VkEndpoints,
    private readonly http: Fetch = fetch,
  ) {}

  /** Exchanges a VK ID authorization code (with its PKCE verifier and device id) for tokens; the account is VK's user id. */
  async exchangeCode(grant: { code: string; codeVerifier: string; deviceId: string; redirectUri: string }): Promise<{ tokens: VkTokens; userId: string }> {
    const body = await this.token({
      grant_type: 'authorization_code',
      code: grant.code,
      code_verifier: grant.codeVerifier,
      client_id: this.endpoints.clientId,
      device_id: grant.deviceId,
      redirect_uri: grant.redirectUri,
      state: randomBytes(16).toString('base64url'),
    });
    if (body.user_id === undefined || body.user_id === null) throw new LeapError('OAUTH.EXCHANGE_FAILED', 'VK ID answered no user id', { retryable: false, status: 422 });
    return { tokens: { accessToken: body.access_token!, ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}), deviceId: grant.deviceId }, userId: String(body.user_id) };
  }

  async saveVideo(account: VkAccount, v: VkVideoSave, signal?: AbortSignal): Promise<{ uploadUrl: string; videoId: number; ownerId: number }> {
    const params: Record<string, string> = {
      name: v.name,
      description: v.description,
      privacy_view: PRIVACY[v.privacyView] ?? 'all',
      privacy_comment: PRIVACY[v.privacyComment] ?? 'all',
      wallpost: v.wallpost ? '1' : '0',
      no_comments: v.noComments ? '1' : '0',
      repeat: v.repeat ? '1' : '0',
      compression: v.compression ? '1' : '0',
      ...(v.groupId ? { group_id: String(v.groupId) } : {}),
      ...(v.albumId ? { album_id: String(v.albumId) } : {}),
    };
    const saved = (await this.call(account, 'video.save', params, signal)) as { upload_url?: string; video_id?: number; owner_id?: number };
    if (!saved?.upload_url || saved.video_id === undefined) throw new LeapError('PUBLISHING.PLATFORM_ERROR', 'VK answered video.save without an upload_url', { retryable: true });
    return { uploadUrl: saved.upload_url, videoId: saved.video_id, ownerId: Number(saved.owner_id) };
  }

  /** POSTs the file to `video.save`'s upload URL as multipart/form-data (`video_file`), streamed. */
  async uploadFile(uploadUrl: string, file: VkFile, signal?: AbortSignal): Promise<{ videoId: number; ownerId: number }> {
    const boundary = `leap-${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="video_file"; filename="${file.name.replace(/["\r\n]/g, '_')}"\r\ncontent-type: ${file.contentType}\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const source = await file.open();
    async function* body(): AsyncIterable<Uint8Array> {
      yield head;
      for await (const chunk of source) yield chunk;
      yield tail;
    }
    let response: Response;
    try {
      response = await this.http(uploadUrl, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + file.size + tail.length) },
        body: body() as unknown as RequestInit['body'],
        duplex: 'half',
        signal,
      } as RequestInit);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new LeapError('PUBLISHING.PLATFORM_ERROR', `The VK upload connection broke: ${(error as Error).message}`, { retryable: true, cause: error });
    }
    const answer = (await response.json().catch(() => ({}))) as { video_id?: number; owner_id?: number; error?: unknown; error_code?: number };
    if (!response.ok || answer.video_id === undefined) {
      throw platformError('VK', response.status >= 400 ? response.status : 502, String(answer.error_code ?? 'upload'), `the upload server answered ${response.status}: ${JSON.stringify(answer.error ?? answer).slice(0, 200)}`);
    }
    return { videoId: answer.video_id, ownerId: Number(answer.owner_id) };
  }

  async deleteVideo(account: VkAccount, ownerId: number, videoId: number, signal?: AbortSignal): Promise<void> {
    await this.call(account, 'video.delete', { video_id: String(videoId), owner_id: String(ownerId) }, signal);
  }

  /** One API method call, with the account's token (within its gate); error 5 refreshes once and calls again. */
  async call(account: VkAccount, method: string, params: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const attempt = async () => {
      const answer = await this.send(account, method, params, signal);
      // Thrown inside the gate, so rate and server errors count against the account's circuit.
      if ('error' in answer && answer.error.error_code !== 5) throw this.failure(method, answer.error);
      return answer;
    };
    const once = () => (account.throttle ? account.throttle(attempt) : attempt());
    const first = await once();
    if (!('error' in first)) return first.response;
    await this.refresh(account, first.error.error_msg);
    const second = await once();
    if (!('error' in second)) return second.response;
    throw new CredentialRevokedError('VK', 'a fresh access token was refused');
  }

  private async send(account: VkAccount, method: string, params: Record<string, string>, signal?: AbortSignal): Promise<{ response: unknown } | { error: { error_code: number; error_msg: string } }> {
    const response = await this.http(`${this.endpoints.apiBaseUrl}/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...params, access_token: account.tokens.accessToken, v: this.endpoints.apiVersion }).toString(),
      signal,
    });
    if (response.status === 429 || response.status >= 500) {
      await response.arrayBuffer();
      const retryAfter = Number(response.headers.get('retry-after'));
      throw platformError('VK', response.status, 'http', `${method} answered HTTP ${response.status}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    const body = (await response.json().catch(() => ({}))) as { response?: unknown; error?: { error_code?: number; error_msg?: string } };
    if (body.error) return { error: { error_code: Number(body.error.error_code), error_msg: String(body.error.error_msg ?? '') } };
    if (!('response' in body)) throw new LeapError('PUBLISHING.PLATFORM_ERROR', `VK answered ${method} with neither a response nor an error`, { retryable: true });
    return { response: body.response };
  }

  private failure(method: string, error: { error_code: number; error_msg: string }): LeapError {
    const code = error.error_code;
    if (RATE_CODES.has(code)) {
      return new LeapError('PUBLISHING.RATE_LIMITED', `VK: ${method} was refused with error ${code} (${error.error_msg})`, { retryable: true, status: 429, details: { vkErrorCode: code } });
    }
    if (code === 10 || code === 1) return new LeapError('PUBLISHING.PLATFORM_ERROR', `VK: ${method} failed with error ${code} (${error.error_msg})`, { retryable: true, status: 502, details: { vkErrorCode: code } });
    return new LeapError('PUBLISHING.PLATFORM_REJECTED', `VK refused ${method}: error ${code} (${error.error_msg})`, { retryable: false, status: 422, details: { vkErrorCode: code } });
  }

  private async refresh(account: VkAccount, why: string): Promise<void> {
    const { refreshToken, deviceId } = account.tokens;
    if (!refreshToken || !deviceId) throw new CredentialRevokedError('VK', `${why}; the token cannot be refreshed`);
    let body: { access_token?: string; refresh_token?: string };
    try {
      body = await this.token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: this.endpoints.clientId, device_id: deviceId, state: randomBytes(16).toString('base64url') });
    } catch (error) {
      if ((error as LeapError).code === 'OAUTH.EXCHANGE_FAILED') throw new CredentialRevokedError('VK', 'the refresh token was revoked or expired');
      throw error;
    }
    account.tokens = { accessToken: body.access_token!, refreshToken: body.refresh_token ?? refreshToken, deviceId };
    await account.onRefreshed(account.tokens);
  }

  /** VK ID's token endpoint: a refusal (`invalid_grant`, ...) is `OAUTH.EXCHANGE_FAILED`, anything else retryable. */
  private async token(form: Record<string, string>): Promise<{ access_token?: string; refresh_token?: string; user_id?: number | string }> {
    const response = await this.http(`${this.endpoints.idBaseUrl}/oauth2/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; user_id?: number; error?: string; error_description?: string };
    if (response.ok && body.access_token) return body;
    if (response.status >= 400 && response.status < 500) {
      throw new LeapError('OAUTH.EXCHANGE_FAILED', `VK ID refused the grant: ${body.error ?? response.status}${body.error_description ? ` (${body.error_description})` : ''}`, { retryable: false, status: 422 });
    }
    throw platformError('VK ID', response.status, body.error ?? 'error', 'the token endpoint failed');
  }
}
