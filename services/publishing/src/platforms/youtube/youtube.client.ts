import { LeapError } from '@leap/errors';
import { CredentialRevokedError, platformError } from '../platform-errors';

/** Where the Google and YouTube endpoints are, and the OAuth client the tokens were issued to. */
export interface YoutubeEndpoints {
  /** `https://www.googleapis.com/youtube/v3` */
  apiBaseUrl: string;
  /** `https://www.googleapis.com/upload/youtube/v3` */
  uploadBaseUrl: string;
  /** `https://oauth2.googleapis.com` */
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface GoogleTokens {
  accessToken: string;
  refreshToken?: string;
}

/** An account's tokens for one upload: refreshed once when the access token has expired, and the new one handed back to be stored. */
export interface YoutubeAccount {
  tokens: GoogleTokens;
  onRefreshed(tokens: GoogleTokens): Promise<void>;
  /** Runs each API call within the account's rate limit and circuit (a `PlatformGate`). */
  throttle?<T>(call: () => Promise<T>): Promise<T>;
}

/** The video resource's `snippet` and `status` (YouTube's own field names). */
export interface YoutubeVideoResource {
  snippet: { title: string; description: string; tags?: string[]; categoryId: string; defaultLanguage?: string; defaultAudioLanguage?: string };
  status: { privacyStatus: 'public' | 'unlisted' | 'private'; publishAt?: string; selfDeclaredMadeForKids: boolean; embeddable: boolean; license: 'youtube' | 'creativeCommon' };
}

export interface ResumableUpload {
  account: YoutubeAccount;
  resource: YoutubeVideoResource;
  notifySubscribers: boolean;
  size: number;
  contentType: string;
  /** Bytes `start` to `end` (inclusive) of the file. */
  readChunk(start: number, end: number): Promise<Buffer>;
  /** Bytes per PUT: a multiple of 256 KiB (the last chunk excepted), as the API requires. */
  chunkSize: number;
  signal?: AbortSignal;
  /** Bytes YouTube confirmed holding so far. */
  onProgress?(bytes: number): void;
}

const QUANTUM = 256 * 1024;
/** Broken connections in a row an upload survives before it gives up (the job then tries again). */
const MAX_BROKEN_CONNECTIONS = 5;

type Fetch = typeof fetch;

/**
 * The YouTube Data API v3 as an uploader needs it: the resumable upload protocol (a session,
 * chunked PUTs answered 308 with the range held, the session asked how much arrived after a
 * broken connection, and the transfer continued from there: nothing YouTube holds is sent
 * again), playlists, thumbnails, captions, and retract. An expired access token is refreshed once
 * per call; a refresh refused (`invalid_grant`) or a second 401 is `PUBLISHING.CREDENTIAL_REVOKED`.
 */
export class YoutubeClient {
  constructor(
    private readonly endpoints: YoutubeEndpoints,
    private readonly http: Fetch = fetch,
  ) {}

  /** Uploads the file and answers the new video's id. */
  async upload(u: ResumableUpload): Promise<{ videoId: string }> {
    if (u.chunkSize % QUANTUM !== 0) throw new LeapError('PUBLISHING.INVALID_REQUEST', `chunkSize must be a multiple of ${QUANTUM}`, { retryable: false });
    const params = new URLSearchParams({ uploadType: 'resumable', part: 'snippet,status', notifySubscribers: String(u.notifySubscribers) });
    const start = await this.authorized(u.account, (token) =>
      this.http(`${this.endpoints.uploadBaseUrl}/videos?${params}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json; charset=UTF-8',
          'x-upload-content-length': String(u.size),
          'x-upload-content-type': u.contentType,
        },
        body: JSON.stringify(u.resource),
        signal: u.signal,
      }),
    );
    if (!start.ok) throw await this.failure(start);
    const session = start.headers.get('location');
    if (!session) throw new LeapError('PUBLISHING.PLATFORM_ERROR', 'YouTube opened no upload session (no Location)', { retryable: true });

    let offset = 0;
    let broken = 0;
    for (;;) {
      u.signal?.throwIfAborted();
      let response: Response;
      const end = Math.min(offset + u.chunkSize, u.size) - 1;
      try {
        const chunk = await u.readChunk(offset, end);
        response = await this.http(session, {
          method: 'PUT',
          headers: { 'content-range': `bytes ${offset}-${end}/${u.size}`, 'content-type': u.contentType },
          body: chunk,
          signal: u.signal,
        });
      } catch (error) {
        if (u.signal?.aborted || !isConnectionError(error)) throw error;
        if (++broken > MAX_BROKEN_CONNECTIONS) throw new LeapError('PUBLISHING.PLATFORM_ERROR', `The upload connection broke ${broken} times in a row`, { retryable: true, cause: error });
        // Ask the session what it holds and go on from there.
        const status = await this.querySession(session, u);
        if ('videoId' in status) return status;
        offset = status.received;
        u.onProgress?.(offset);
        continue;
      }
      const outcome = await this.chunkOutcome(response);
      if ('videoId' in outcome) {
        u.onProgress?.(u.size);
        return outcome;
      }
      broken = 0;
      offset = outcome.received;
      u.onProgress?.(offset);
    }
  }

  /** `PUT` with `Content-Range: bytes *\/size`: how much the session holds, or the video when it is complete. */
  private async querySession(session: string, u: ResumableUpload): Promise<{ received: number } | { videoId: string }> {
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.http(session, { method: 'PUT', headers: { 'content-range': `bytes */${u.size}`, 'content-length': '0' }, signal: u.signal });
        return await this.chunkOutcome(response);
      } catch (error) {
        if (u.signal?.aborted || !isConnectionError(error) || attempt >= MAX_BROKEN_CONNECTIONS) throw error;
      }
    }
  }

  private async chunkOutcome(response: Response): Promise<{ received: number } | { videoId: string }> {
    if (response.status === 308) {
      await response.arrayBuffer();
      const range = /bytes=0-(\d+)/.exec(response.headers.get('range') ?? '');
      return { received: range ? Number(range[1]) + 1 : 0 };
    }
    if (response.status === 200 || response.status === 201) {
      const video = (await response.json()) as { id?: string };
      if (!video.id) throw new LeapError('PUBLISHING.PLATFORM_ERROR', 'YouTube finished the upload without a video id', { retryable: true });
      return { videoId: video.id };
    }
    throw await this.failure(response);
  }

  async addToPlaylist(account: YoutubeAccount, playlistId: string, videoId: string, signal?: AbortSignal): Promise<void> {
    await this.call(account, `${this.endpoints.apiBaseUrl}/playlistItems?part=snippet`, 'POST', signal, {
      'content-type': 'application/json; charset=UTF-8',
    }, JSON.stringify({ snippet: { playlistId, resourceId: { kind: 'youtube#video', videoId } } }));
  }

  async setThumbnail(account: YoutubeAccount, videoId: string, image: Buffer, contentType: string, signal?: AbortSignal): Promise<void> {
    await this.call(account, `${this.endpoints.uploadBaseUrl}/thumbnails/set?videoId=${encodeURIComponent(videoId)}&uploadType=media`, 'POST', signal, { 'content-type': contentType }, image);
  }

  /** Uploads a caption track (multipart/related: the caption resource, then the file). */
  async uploadCaption(account: YoutubeAccount, videoId: string, caption: { language: string; name: string; body: Buffer; contentType: string }, signal?: AbortSignal): Promise<void> {
    const boundary = `leap-${Math.random().toString(36).slice(2)}`;
    const meta = JSON.stringify({ snippet: { videoId, language: caption.language, name: caption.name, isDraft: false } });
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${meta}\r\n--${boundary}\r\ncontent-type: ${caption.contentType}\r\n\r\n`),
      caption.body,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    await this.call(account, `${this.endpoints.uploadBaseUrl}/captions?part=snippet&uploadType=multipart`, 'POST', signal, { 'content-type': `multipart/related; boundary=${boundary}` }, body);
  }

  /** Deletes the video; one that is gone already (404) counts as deleted. */
  async deleteVideo(account: YoutubeAccount, videoId: string, signal?: AbortSignal): Promise<void> {
    const response = await this.authorized(account, (token) =>
      this.http(`${this.endpoints.apiBaseUrl}/videos?id=${encodeURIComponent(videoId)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` }, signal }),
    );
    if (response.status === 404) return void (await response.arrayBuffer());
    if (!response.ok) throw await this.failure(response);
    await response.arrayBuffer();
  }

  private async call(account: YoutubeAccount, url: string, method: string, signal?: AbortSignal, headers: Record<string, string> = {}, body?: string | Buffer): Promise<unknown> {
    const response = await this.authorized(account, (token) => this.http(url, { method, headers: { ...headers, authorization: `Bearer ${token}` }, body, signal }));
    if (!response.ok) throw await this.failure(response);
    return response.status === 204 ? undefined : response.json().catch(() => undefined);
  }

  /**
   * Exchanges an authorization code (asked for with `access_type=offline`) for tokens; the account
   * is the Google email the `id_token` names (it comes straight from Google's token endpoint over
   * TLS, so its claims are read without checking its signature, as OpenID Connect allows).
   */
  async exchangeCode(code: string, redirectUri: string): Promise<{ tokens: GoogleTokens; email: string }> {
    const response = await this.http(`${this.endpoints.oauthBaseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: this.endpoints.clientId, client_secret: this.endpoints.clientSecret }).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; id_token?: string; error?: string; error_description?: string };
    if (response.status >= 400 && response.status < 500) {
      throw new LeapError('OAUTH.EXCHANGE_FAILED', `Google refused the authorization code: ${body.error ?? response.status}${body.error_description ? ` (${body.error_description})` : ''}`, { retryable: false, status: 422 });
    }
    if (!response.ok || !body.access_token) throw platformError('Google OAuth', response.status, body.error ?? 'error', 'the code exchange failed');
    let email: unknown;
    try {
      email = JSON.parse(Buffer.from(String(body.id_token).split('.')[1] ?? '', 'base64url').toString('utf8')).email;
    } catch {
      email = undefined;
    }
    if (typeof email !== 'string' || !email) throw new LeapError('OAUTH.EXCHANGE_FAILED', 'Google answered no account email (the email scope is needed)', { retryable: false, status: 422 });
    return { tokens: { accessToken: body.access_token, ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}) }, email };
  }

  /** Runs `send` with the access token (within the account's limits); on a 401 refreshes once and sends again. */
  private async authorized(account: YoutubeAccount, raw: (token: string) => Promise<Response>): Promise<Response> {
    const send = (token: string) => (account.throttle ? account.throttle(() => this.gated(raw(token))) : raw(token));
    const first = await send(account.tokens.accessToken);
    if (first.status !== 401) return first;
    await first.arrayBuffer();
    await this.refresh(account);
    const second = await send(account.tokens.accessToken);
    if (second.status === 401) {
      await second.arrayBuffer();
      throw new CredentialRevokedError('YouTube', 'a fresh access token was refused');
    }
    return second;
  }

  /**
   * An answer as the account's gate sees it: a rate, quota or server error is thrown (so it counts
   * against the circuit) with its body read; anything else passes through untouched.
   */
  private async gated(pending: Promise<Response>): Promise<Response> {
    const response = await pending;
    if (response.status !== 429 && response.status < 500 && response.status !== 403) return response;
    const failure = await this.failure(response.clone());
    if (failure.code === 'PUBLISHING.RATE_LIMITED' || failure.code === 'PUBLISHING.QUOTA_EXCEEDED' || failure.code === 'PUBLISHING.PLATFORM_ERROR') {
      await response.arrayBuffer();
      throw failure;
    }
    return response;
  }

  private async refresh(account: YoutubeAccount): Promise<void> {
    if (!account.tokens.refreshToken) throw new CredentialRevokedError('YouTube', 'the access token expired and there is no refresh token');
    const response = await this.http(`${this.endpoints.oauthBaseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: account.tokens.refreshToken,
        client_id: this.endpoints.clientId,
        client_secret: this.endpoints.clientSecret,
      }).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as { access_token?: string; refresh_token?: string; error?: string };
    if (response.status === 400 && body.error === 'invalid_grant') throw new CredentialRevokedError('YouTube', 'the refresh token was revoked or expired');
    if (!response.ok || !body.access_token) throw platformError('Google OAuth', response.status, body.error ?? 'error', 'the token refresh failed');
    account.tokens = { accessToken: body.access_token, refreshToken: body.refresh_token ?? account.tokens.refreshToken };
    await account.onRefreshed(account.tokens);
  }

  private async failure(response: Response): Promise<LeapError> {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string; errors?: { reason?: string }[] } };
    const reason = body.error?.errors?.[0]?.reason ?? 'error';
    const retryAfter = Number(response.headers.get('retry-after'));
    return platformError('YouTube', response.status, reason, body.error?.message ?? response.statusText, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  }
}

/** A transfer that broke (reset, closed, refused) rather than an answer. */
function isConnectionError(error: unknown): boolean {
  // Not `instanceof Error`: fetch's errors may come from another realm (a test sandbox).
  if (typeof error !== 'object' || error === null) return false;
  const { name, cause } = error as { name?: string; cause?: { code?: string } };
  if (name === 'AbortError') return false;
  return name === 'TypeError' || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(cause?.code ?? '');
}
