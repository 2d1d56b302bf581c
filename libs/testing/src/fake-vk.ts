import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * VK ID (OAuth 2.1 with PKCE) and the VK API on 127.0.0.1, as far as connecting an account and
 * uploading a video use them, in the documented shapes:
 * - `GET /authorize` (VK ID): the signed-in VK user consents at once; 302 to `redirect_uri` with
 *   `code`, `state`, `device_id`, `expires_in` and `type=code_v2`;
 * - `POST /oauth2/auth` (VK ID): `grant_type=authorization_code` with `code_verifier` (checked
 *   against the S256 `code_challenge`), `device_id` and `redirect_uri`; `grant_type=refresh_token`
 *   (refresh tokens rotate); errors `{error, error_description}` (`invalid_grant`);
 * - `GET /blank.html#access_token=…`: where the implicit flow (`GET /oauth/authorize?response_type=token`)
 *   lands, with the token in the fragment;
 * - `POST /method/<name>` with `access_token` and `v`: `video.save` answers an `upload_url`,
 *   `video.delete` deletes; every answer is HTTP 200 with `{response}` or
 *   `{error: {error_code, error_msg, request_params}}` (5 authorization failed, 6 too many
 *   requests per second, 9 flood control, 15 access denied, 100 a parameter is missing);
 * - `POST /upload/<id>` (the `upload_url`): multipart/form-data with the file in `video_file`,
 *   answered `{size, video_id, owner_id, video_hash}`.
 * Tests can expire or revoke tokens and queue API errors.
 */
export interface FakeVkVideo {
  id: number;
  ownerId: number;
  /** `video.save`'s parameters as sent (name, description, privacy_view, group_id, album_id, ...). */
  params: Record<string, string>;
  bytes: Buffer;
  uploaded: boolean;
  deleted: boolean;
}

export interface FakeVkUser {
  userId: number;
  firstName: string;
  lastName: string;
}

export interface FakeVk {
  base: string;
  /** `VK_ID_BASE_URL`: `http://127.0.0.1:<port>` (as `https://id.vk.com`). */
  idBaseUrl: string;
  /** `VK_API_BASE_URL`: `http://127.0.0.1:<port>/method` (as `https://api.vk.com/method`). */
  apiBaseUrl: string;
  /** `VK_OAUTH_BASE_URL`: where the implicit flow starts (as `https://oauth.vk.com`). */
  oauthBaseUrl: string;
  clientId: string;
  /** The user who consents at the next `/authorize` (a new one when unset). */
  signInAs(user: Partial<FakeVkUser>): FakeVkUser;
  /** Tokens of a new (or the given) user, as VK ID issues them after consent. */
  grant(userId?: number): { accessToken: string; refreshToken: string; deviceId: string; userId: number };
  /** An implicit-flow token (no refresh token) of a new user. */
  implicitGrant(): { accessToken: string; userId: number };
  expire(accessToken: string): void;
  /** The refresh token and every access token from it stop working. */
  revoke(refreshToken: string): void;
  /** Every token of this user stops working. */
  revokeUser(userId: number): void;
  /** More than `n` API calls per second by one user are refused with error 6, as VK does (0: no limit, the default). */
  limitPerSecond(n: number): void;
  /** The next `count` API method calls fail with this VK error code. */
  failNext(count: number, errorCode: number, errorMsg?: string): void;
  /** The authorization requests `/authorize` received (their query parameters). */
  readonly authorizations: Record<string, string>[];
  readonly videos: Map<number, FakeVkVideo>;
  readonly stats: { tokenExchanges: number; refreshes: number; apiCalls: number; uploads: number; failuresServed: number };
  close(): Promise<void>;
}

const ERROR_MESSAGES: Record<number, string> = {
  5: 'User authorization failed: invalid access_token (4).',
  6: 'Too many requests per second',
  9: 'Flood control',
  10: 'Internal server error',
  15: 'Access denied',
  100: 'One of the parameters specified was missing or invalid',
};

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The file part of a multipart/form-data body with this field name. */
function formFile(body: Buffer, contentType: string, field: string): Buffer | undefined {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const marker = Buffer.from(`--${boundary}`);
  let at = body.indexOf(marker);
  while (at >= 0) {
    const headersEnd = body.indexOf('\r\n\r\n', at);
    if (headersEnd < 0) return undefined;
    const headers = body.subarray(at, headersEnd).toString('utf8');
    const next = body.indexOf(marker, headersEnd);
    if (next < 0) return undefined;
    if (new RegExp(`name="${field}"`).test(headers)) return body.subarray(headersEnd + 4, next - 2);
    at = next;
  }
  return undefined;
}

export async function startFakeVk(): Promise<FakeVk> {
  const clientId = String(51_000_000 + Math.floor(Math.random() * 1_000_000));
  const users = new Map<number, FakeVkUser>();
  const codes = new Map<string, { userId: number; challenge: string; redirectUri: string; deviceId: string; used: boolean }>();
  const refreshTokens = new Map<string, { userId: number; deviceId: string; revoked: boolean }>();
  const accessTokens = new Map<string, { userId: number; refreshToken?: string; expired: boolean }>();
  const revokedUsers = new Set<number>();
  const uploads = new Map<string, FakeVkVideo>();
  const videos = new Map<number, FakeVkVideo>();
  const authorizations: Record<string, string>[] = [];
  const stats = { tokenExchanges: 0, refreshes: 0, apiCalls: 0, uploads: 0, failuresServed: 0 };
  const failures: { code: number; msg: string }[] = [];
  let nextUser: FakeVkUser | undefined;
  let perSecond = 0;
  const recentCalls = new Map<number, number[]>();
  let userSeq = 700_000 + Math.floor(Math.random() * 100_000);
  let videoSeq = 456_239_000;
  let base = '';

  const newUser = (u: Partial<FakeVkUser> = {}): FakeVkUser => {
    const user = { userId: u.userId ?? userSeq++, firstName: u.firstName ?? 'Иван', lastName: u.lastName ?? 'Петров' };
    users.set(user.userId, user);
    revokedUsers.delete(user.userId);
    return user;
  };

  const issue = (userId: number, refreshToken?: string): string => {
    const accessToken = `vk1.a.${randomBytes(24).toString('base64url')}`;
    accessTokens.set(accessToken, { userId, refreshToken, expired: false });
    return accessToken;
  };
  const issueRefresh = (userId: number, deviceId: string): string => {
    const refreshToken = `vk1.r.${randomBytes(24).toString('base64url')}`;
    refreshTokens.set(refreshToken, { userId, deviceId, revoked: false });
    return refreshToken;
  };
  const tokenAnswer = (userId: number, deviceId: string, state: string | null) => {
    const refreshToken = issueRefresh(userId, deviceId);
    return {
      access_token: issue(userId, refreshToken),
      refresh_token: refreshToken,
      id_token: `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: userId })).toString('base64url')}.sig`,
      token_type: 'Bearer',
      expires_in: 3600,
      user_id: userId,
      state: state ?? '',
      scope: 'vkid.personal_info video groups wall',
    };
  };

  const vkError = (res: ServerResponse, code: number, params: Record<string, string>, msg = ERROR_MESSAGES[code] ?? 'Unknown error') =>
    json(res, 200, { error: { error_code: code, error_msg: msg, request_params: Object.entries(params).filter(([k]) => k !== 'access_token').map(([key, value]) => ({ key, value })) } });

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    if (form.get('client_id') !== clientId) return json(res, 401, { error: 'invalid_client', error_description: 'client_id is unknown' });
    const deviceId = form.get('device_id') ?? '';
    if (form.get('grant_type') === 'authorization_code') {
      const grant = codes.get(form.get('code') ?? '');
      if (!grant || grant.used) return json(res, 400, { error: 'invalid_grant', error_description: 'The code is invalid or was used' });
      grant.used = true;
      if (grant.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'redirect_uri does not match' });
      if (grant.deviceId !== deviceId) return json(res, 400, { error: 'invalid_grant', error_description: 'device_id does not match' });
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (challenge !== grant.challenge) return json(res, 400, { error: 'invalid_grant', error_description: 'code_verifier is invalid' });
      stats.tokenExchanges += 1;
      return json(res, 200, tokenAnswer(grant.userId, deviceId, form.get('state')));
    }
    if (form.get('grant_type') === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      const known = refreshTokens.get(refreshToken);
      if (!known || known.revoked || revokedUsers.has(known.userId)) return json(res, 400, { error: 'invalid_grant', error_description: 'Refresh token is invalid or revoked' });
      if (known.deviceId !== deviceId) return json(res, 400, { error: 'invalid_grant', error_description: 'device_id does not match' });
      // Refresh tokens rotate: the used one no longer works.
      known.revoked = true;
      stats.refreshes += 1;
      return json(res, 200, tokenAnswer(known.userId, deviceId, form.get('state')));
    }
    return json(res, 400, { error: 'unsupported_grant_type', error_description: 'grant_type is not supported' });
  }

  function authorize(url: URL, res: ServerResponse): void {
    const q = Object.fromEntries(url.searchParams);
    authorizations.push(q);
    if (q.client_id !== clientId || !q.redirect_uri) return json(res, 400, { error: 'invalid_request', error_description: 'client_id or redirect_uri is wrong' });
    const user = nextUser ?? newUser();
    nextUser = undefined;
    const redirect = new URL(q.redirect_uri);
    if (q.response_type === 'token') {
      // The implicit flow: the token in the fragment of the redirect.
      const accessToken = issue(user.userId);
      redirect.hash = new URLSearchParams({ access_token: accessToken, expires_in: '86400', user_id: String(user.userId), state: q.state ?? '' }).toString();
    } else {
      if (q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge) {
        return json(res, 400, { error: 'invalid_request', error_description: 'VK ID needs response_type=code and an S256 code_challenge' });
      }
      const code = randomBytes(16).toString('hex');
      const deviceId = randomBytes(12).toString('base64url');
      codes.set(code, { userId: user.userId, challenge: q.code_challenge, redirectUri: q.redirect_uri, deviceId, used: false });
      for (const [k, v] of Object.entries({ code, state: q.state ?? '', device_id: deviceId, expires_in: '600', type: 'code_v2' })) redirect.searchParams.set(k, v);
    }
    res.writeHead(302, { location: redirect.toString() });
    res.end();
  }

  async function method(name: string, req: IncomingMessage, url: URL, res: ServerResponse): Promise<void> {
    const params: Record<string, string> = { ...Object.fromEntries(url.searchParams), ...Object.fromEntries(new URLSearchParams((await readBody(req)).toString('utf8'))) };
    stats.apiCalls += 1;
    if (!params.v) return vkError(res, 8, params, 'Invalid request: v (version) is required');
    const failure = failures.shift();
    if (failure) {
      stats.failuresServed += 1;
      return vkError(res, failure.code, params, failure.msg);
    }
    const token = params.access_token ?? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const known = token ? accessTokens.get(token) : undefined;
    if (!known || known.expired || revokedUsers.has(known.userId)) {
      return vkError(res, 5, params, 'User authorization failed: invalid access_token (4).');
    }
    if (perSecond > 0) {
      const now = Date.now();
      const recent = (recentCalls.get(known.userId) ?? []).filter((t) => now - t < 1000);
      recent.push(now);
      recentCalls.set(known.userId, recent);
      if (recent.length > perSecond) {
        stats.failuresServed += 1;
        return vkError(res, 6, params);
      }
    }
    if (name === 'video.save') {
      const id = videoSeq++;
      const ownerId = params.group_id ? -Number(params.group_id) : known.userId;
      const { access_token: _token, ...saved } = params;
      const video: FakeVkVideo = { id, ownerId, params: saved, bytes: Buffer.alloc(0), uploaded: false, deleted: false };
      const uploadId = randomBytes(12).toString('hex');
      uploads.set(uploadId, video);
      videos.set(id, video);
      return json(res, 200, {
        response: { upload_url: `${base}/upload/${uploadId}`, video_id: id, owner_id: ownerId, title: params.name ?? '', description: params.description ?? '', access_key: randomBytes(8).toString('hex') },
      });
    }
    if (name === 'video.delete') {
      const video = videos.get(Number(params.video_id));
      const ownerId = Number(params.owner_id ?? known.userId);
      if (!video || video.deleted || video.ownerId !== ownerId) return vkError(res, 15, params, 'Access denied: the video does not exist or is not yours');
      video.deleted = true;
      return json(res, 200, { response: 1 });
    }
    if (name === 'users.get') {
      const user = users.get(known.userId)!;
      return json(res, 200, { response: [{ id: user.userId, first_name: user.firstName, last_name: user.lastName }] });
    }
    return vkError(res, 3, params, `Unknown method passed: ${name}`);
  }

  async function upload(id: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const video = uploads.get(id);
    const body = await readBody(req);
    if (!video) return json(res, 404, { error: 'upload url is unknown or expired' });
    const file = formFile(body, String(req.headers['content-type'] ?? ''), 'video_file');
    if (!file) return json(res, 400, { error: 'no video_file in the multipart body' });
    video.bytes = Buffer.from(file);
    video.uploaded = true;
    uploads.delete(id);
    stats.uploads += 1;
    return json(res, 200, { size: file.length, video_id: video.id, owner_id: video.ownerId, video_hash: createHash('md5').update(file).digest('hex') });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    if (req.method === 'GET' && (path === '/authorize' || path === '/oauth/authorize')) return authorize(url, res);
    if (req.method === 'POST' && path === '/oauth2/auth') return token(req, res);
    if (req.method === 'GET' && (path === '/blank.html' || path === '/oauth/blank.html')) return json(res, 200, {});
    const m = /^\/method\/([a-zA-Z.]+)$/.exec(path);
    if (m && (req.method === 'POST' || req.method === 'GET')) return method(m[1]!, req, url, res);
    const u = /^\/upload\/([0-9a-f]+)$/.exec(path);
    if (u && req.method === 'POST') return upload(u[1]!, req, res);
    await readBody(req);
    json(res, 404, { error: `No route ${req.method} ${path}` });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) json(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    idBaseUrl: base,
    apiBaseUrl: `${base}/method`,
    oauthBaseUrl: `${base}/oauth`,
    clientId,
    signInAs(u) {
      nextUser = users.get(u.userId ?? -1) ?? newUser(u);
      revokedUsers.delete(nextUser.userId);
      return nextUser;
    },
    grant(userId) {
      const user = userId !== undefined ? (users.get(userId) ?? newUser({ userId })) : newUser();
      const deviceId = randomBytes(12).toString('base64url');
      const refreshToken = issueRefresh(user.userId, deviceId);
      return { accessToken: issue(user.userId, refreshToken), refreshToken, deviceId, userId: user.userId };
    },
    implicitGrant() {
      const user = newUser();
      return { accessToken: issue(user.userId), userId: user.userId };
    },
    expire(accessToken) {
      const known = accessTokens.get(accessToken);
      if (known) known.expired = true;
    },
    revoke(refreshToken) {
      const known = refreshTokens.get(refreshToken);
      if (known) revokedUsers.add(known.userId);
    },
    revokeUser(userId) {
      revokedUsers.add(userId);
    },
    limitPerSecond(n) {
      perSecond = n;
      recentCalls.clear();
    },
    failNext(count, errorCode, errorMsg) {
      for (let i = 0; i < count; i++) failures.push({ code: errorCode, msg: errorMsg ?? ERROR_MESSAGES[errorCode] ?? 'Unknown error' });
    },
    authorizations,
    videos,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
