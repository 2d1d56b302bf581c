import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Google OAuth and the YouTube Data API v3 on 127.0.0.1, as far as an uploader uses them, in the
 * documented shapes:
 * - `GET /o/oauth2/v2/auth` (the consent page): the signed-in Google user consents at once; 302 to
 *   `redirect_uri` with `code` and `state` (a refresh token comes with the code only when
 *   `access_type=offline`);
 * - `POST /oauth/token`: `grant_type=authorization_code` (the code once, with its `redirect_uri`)
 *   answers tokens and an `id_token` naming the account's email; `grant_type=refresh_token` a fresh
 *   access token, or 400 `invalid_grant` for a revoked refresh token;
 * - resumable uploads: `POST /upload/youtube/v3/videos?uploadType=resumable` answers a session URI
 *   in `Location`; `PUT` chunks with `Content-Range: bytes a-b/total` answer 308 with `Range:
 *   bytes=0-n` until the last, which answers the video resource; `PUT` with `Content-Range:
 *   bytes *\/total` and no body asks how much arrived;
 * - `POST /youtube/v3/playlistItems`, `POST /upload/youtube/v3/thumbnails/set`,
 *   `POST /upload/youtube/v3/captions` (multipart/related), `DELETE /youtube/v3/videos`,
 *   `PUT /youtube/v3/videos` (retract to private);
 * - errors as Google writes them: `{error: {code, message, errors: [{reason}]}}` (401 `authError`,
 *   403 `quotaExceeded`, 429 `rateLimitExceeded`).
 * Tests can expire or revoke tokens, cut an upload's connection once a share of it has arrived,
 * and queue errors; every byte a session receives is counted, so a resend is visible.
 */
export interface FakeYoutubeVideo {
  id: string;
  snippet: Record<string, unknown>;
  status: Record<string, unknown>;
  notifySubscribers: boolean;
  bytes: Buffer;
  playlistIds: string[];
  thumbnail?: { contentType: string; bytes: Buffer };
  captions: { language: string; name: string; body: string }[];
  deleted: boolean;
}

export interface FakeYoutube {
  /** `http://127.0.0.1:<port>` */
  base: string;
  oauthBaseUrl: string;
  /** Where the consent page is (as `https://accounts.google.com`). */
  accountsBaseUrl: string;
  apiBaseUrl: string;
  uploadBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** The Google account that consents at the next authorization (a new one when unset). */
  signInAs(email: string): void;
  /** The authorization requests the consent page received (their query parameters). */
  readonly authorizations: Record<string, string>[];
  /** A refresh token and a live access token for a new account. */
  grant(): { accessToken: string; refreshToken: string };
  /** The access token stops working (as when it expired); its refresh token still works. */
  expire(accessToken: string): void;
  /** The refresh token and every access token from it stop working (the user revoked access). */
  revoke(refreshToken: string): void;
  /** The next upload session's connection is cut once it holds this share (0 to 1) of the file. */
  cutNextUploadAt(share: number): void;
  /** Each upload chunk is answered this many milliseconds late (0: at once), so a test can act mid-transfer. */
  slowUploads(ms: number): void;
  /** The next `count` API calls (any path but the token endpoint) fail with this status and reason. */
  failNext(count: number, status: number, reason: string, retryAfterSeconds?: number): void;
  readonly videos: Map<string, FakeYoutubeVideo>;
  /** `apiCalls`: every call but the token endpoint and the upload session's PUTs (failed ones included). */
  readonly stats: { uploadBytesReceived: number; uploadPuts: number; sessionQueries: number; refreshes: number; sessions: number; apiCalls: number };
  /** Bytes each upload session received, in order of creation (resends included). */
  readonly sessionBytes: number[];
  close(): Promise<void>;
}

interface Session {
  id: string;
  /** Its place in `sessionBytes`. */
  index: number;
  token: string;
  total: number;
  contentType: string;
  received: Buffer[];
  size: number;
  bytesIn: number;
  cutAt?: number;
  resource: { snippet: Record<string, unknown>; status: Record<string, unknown> };
  notifySubscribers: boolean;
  video?: FakeYoutubeVideo;
}

function googleError(res: ServerResponse, status: number, reason: string, message = reason, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify({ error: { code: status, message, errors: [{ domain: 'youtube', reason, message }] } }));
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The parts of a multipart/related body. */
function multipartParts(body: Buffer, contentType: string): { headers: string; body: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return [];
  const text = body.toString('latin1');
  return text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const split = part.indexOf('\r\n\r\n');
      return { headers: part.slice(0, split), body: Buffer.from(part.slice(split + 4).replace(/\r\n$/, ''), 'latin1') };
    });
}

export async function startFakeYoutube(): Promise<FakeYoutube> {
  const clientId = 'leap-test-client.apps.googleusercontent.com';
  const clientSecret = randomBytes(12).toString('hex');
  const refreshTokens = new Map<string, { revoked: boolean }>();
  const accessTokens = new Map<string, { refreshToken: string; expired: boolean }>();
  const sessions = new Map<string, Session>();
  const videos = new Map<string, FakeYoutubeVideo>();
  const stats = { uploadBytesReceived: 0, uploadPuts: 0, sessionQueries: 0, refreshes: 0, sessions: 0, apiCalls: 0 };
  const sessionBytes: number[] = [];
  let cutNext: number | undefined;
  let chunkDelayMs = 0;
  const failures: { status: number; reason: string; retryAfter?: number }[] = [];
  const codes = new Map<string, { email: string; redirectUri: string; offline: boolean; used: boolean }>();
  const authorizations: Record<string, string>[] = [];
  let nextEmail: string | undefined;
  let base = '';

  const issue = (refreshToken: string): string => {
    const accessToken = `ya29.${randomBytes(16).toString('hex')}`;
    accessTokens.set(accessToken, { refreshToken, expired: false });
    return accessToken;
  };

  /** The caller's token, or an answered 401. */
  const authorized = (req: IncomingMessage, res: ServerResponse): string | undefined => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const known = token ? accessTokens.get(token) : undefined;
    if (!token || !known || known.expired || refreshTokens.get(known.refreshToken)?.revoked) {
      googleError(res, 401, 'authError', 'Invalid Credentials', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' });
      return undefined;
    }
    return token;
  };

  const videoResource = (v: FakeYoutubeVideo) => ({ kind: 'youtube#video', etag: v.id, id: v.id, snippet: v.snippet, status: v.status });

  const range = (s: Session): Record<string, string> => (s.size > 0 ? { range: `bytes=0-${s.size - 1}` } : {});

  const finish = (s: Session): FakeYoutubeVideo => {
    if (!s.video) {
      const id = randomBytes(8).toString('base64url').slice(0, 11);
      s.video = {
        id,
        snippet: s.resource.snippet,
        status: { uploadStatus: 'uploaded', ...s.resource.status },
        notifySubscribers: s.notifySubscribers,
        bytes: Buffer.concat(s.received),
        playlistIds: [],
        captions: [],
        deleted: false,
      };
      videos.set(id, s.video);
    }
    return s.video;
  };

  async function upload(req: IncomingMessage, res: ServerResponse, s: Session): Promise<void> {
    stats.uploadPuts += 1;
    const contentRange = String(req.headers['content-range'] ?? '');
    const query = /^bytes \*\/(\d+)$/.exec(contentRange);
    if (query) {
      stats.sessionQueries += 1;
      await readBody(req);
      if (s.size === s.total) return json(res, 200, videoResource(finish(s)));
      res.writeHead(308, range(s));
      return void res.end();
    }
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange);
    if (!m || Number(m[3]) !== s.total) return googleError(res, 400, 'badContent', `Bad Content-Range ${contentRange}`);
    const start = Number(m[1]);
    if (start > s.size) return googleError(res, 400, 'badContent', `Chunk starts at ${start}, the session holds ${s.size} bytes`);
    let position = start;
    let cut = false;
    await new Promise<void>((resolve) => {
      req.on('data', (chunk: Buffer) => {
        if (cut) return;
        let take = chunk;
        if (s.cutAt !== undefined && position + take.length >= s.cutAt) {
          // The connection breaks here: what was in flight past this point never arrives.
          take = take.subarray(0, Math.max(0, s.cutAt - position));
          cut = true;
        }
        stats.uploadBytesReceived += take.length;
        s.bytesIn += take.length;
        sessionBytes[s.index] = s.bytesIn;
        // Bytes the session already holds (a resend) are counted but not stored twice.
        const fresh = take.subarray(Math.max(0, s.size - position));
        if (fresh.length > 0) {
          s.received.push(Buffer.from(fresh));
          s.size += fresh.length;
        }
        position += take.length;
        if (cut) {
          s.cutAt = undefined;
          req.socket.destroy();
          resolve();
        }
      });
      req.on('end', () => resolve());
      req.on('error', () => resolve());
    });
    if (cut) return;
    if (chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, chunkDelayMs));
    if (s.size === s.total) return json(res, 201, videoResource(finish(s)));
    res.writeHead(308, range(s));
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    if (req.method === 'GET' && path === '/o/oauth2/v2/auth') {
      const q = Object.fromEntries(url.searchParams);
      authorizations.push(q);
      if (q.client_id !== clientId || !q.redirect_uri || q.response_type !== 'code') return json(res, 400, { error: 'invalid_request', error_description: 'client_id, redirect_uri or response_type is wrong' });
      const email = nextEmail ?? `teacher-${randomBytes(4).toString('hex')}@example.org`;
      nextEmail = undefined;
      const code = `4/0${randomBytes(16).toString('base64url')}`;
      codes.set(code, { email, redirectUri: q.redirect_uri, offline: q.access_type === 'offline', used: false });
      const redirect = new URL(q.redirect_uri);
      redirect.searchParams.set('code', code);
      if (q.state) redirect.searchParams.set('state', q.state);
      redirect.searchParams.set('scope', q.scope ?? '');
      res.writeHead(302, { location: redirect.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && path === '/oauth/token') {
      const form = new URLSearchParams((await readBody(req)).toString('utf8'));
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) return json(res, 401, { error: 'invalid_client', error_description: 'The OAuth client was not found.' });
      if (form.get('grant_type') === 'authorization_code') {
        const grant = codes.get(form.get('code') ?? '');
        if (!grant || grant.used || grant.redirectUri !== form.get('redirect_uri')) return json(res, 400, { error: 'invalid_grant', error_description: 'Malformed auth code.' });
        grant.used = true;
        const refreshToken = `1//${randomBytes(16).toString('hex')}`;
        refreshTokens.set(refreshToken, { revoked: false });
        const idToken = [{ alg: 'RS256', typ: 'JWT' }, { iss: 'https://accounts.google.com', aud: clientId, sub: createHash('sha256').update(grant.email).digest('hex').slice(0, 21), email: grant.email, email_verified: true }]
          .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
          .concat('signature')
          .join('.');
        return json(res, 200, {
          access_token: issue(refreshToken),
          expires_in: 3599,
          token_type: 'Bearer',
          scope: 'https://www.googleapis.com/auth/youtube.upload openid email',
          id_token: idToken,
          ...(grant.offline ? { refresh_token: refreshToken } : {}),
        });
      }
      if (form.get('grant_type') !== 'refresh_token') return json(res, 400, { error: 'unsupported_grant_type' });
      const refreshToken = form.get('refresh_token') ?? '';
      const known = refreshTokens.get(refreshToken);
      if (!known || known.revoked) return json(res, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
      stats.refreshes += 1;
      return json(res, 200, { access_token: issue(refreshToken), expires_in: 3599, token_type: 'Bearer', scope: 'https://www.googleapis.com/auth/youtube.upload' });
    }

    const sessionPut = req.method === 'PUT' && path === '/upload/youtube/v3/videos' && url.searchParams.has('upload_id');
    if (!sessionPut) stats.apiCalls += 1;
    const failure = sessionPut ? undefined : failures.shift();
    if (failure) {
      await readBody(req);
      return googleError(res, failure.status, failure.reason, failure.reason, failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {});
    }

    const session = url.searchParams.get('upload_id') ? sessions.get(url.searchParams.get('upload_id')!) : undefined;
    if (req.method === 'PUT' && path === '/upload/youtube/v3/videos' && url.searchParams.get('upload_id')) {
      if (!session) return googleError(res, 404, 'notFound', 'No such upload session');
      return upload(req, res, session);
    }
    const token = authorized(req, res);
    if (!token) return void (await readBody(req).catch(() => undefined));

    if (req.method === 'POST' && path === '/upload/youtube/v3/videos' && url.searchParams.get('uploadType') === 'resumable') {
      const total = Number(req.headers['x-upload-content-length']);
      if (!Number.isSafeInteger(total) || total <= 0) return googleError(res, 400, 'badRequest', 'X-Upload-Content-Length is required');
      const resource = JSON.parse((await readBody(req)).toString('utf8') || '{}');
      const parts = (url.searchParams.get('part') ?? '').split(',');
      if (!parts.includes('snippet') || !parts.includes('status')) return googleError(res, 400, 'badRequest', 'part must name snippet and status');
      if (!resource.snippet?.title) return googleError(res, 400, 'invalidTitle', 'The video title is empty');
      if (String(resource.snippet.title).length > 100 || /[<>]/.test(resource.snippet.title)) return googleError(res, 400, 'invalidTitle', 'The title is too long or holds < or >');
      if (String(resource.snippet.description ?? '').length > 5000) return googleError(res, 400, 'invalidDescription', 'The description is too long');
      const id = randomUUID();
      const s: Session = {
        id,
        index: sessionBytes.length,
        token,
        total,
        contentType: String(req.headers['x-upload-content-type'] ?? 'video/*'),
        received: [],
        size: 0,
        bytesIn: 0,
        resource: { snippet: resource.snippet ?? {}, status: resource.status ?? {} },
        notifySubscribers: url.searchParams.get('notifySubscribers') !== 'false',
      };
      if (cutNext !== undefined) s.cutAt = Math.floor(total * cutNext);
      cutNext = undefined;
      sessions.set(id, s);
      sessionBytes.push(0);
      stats.sessions += 1;
      res.writeHead(200, { location: `${base}/upload/youtube/v3/videos?uploadType=resumable&upload_id=${id}`, 'content-length': '0' });
      return void res.end();
    }

    const body = await readBody(req);
    if (req.method === 'POST' && path === '/youtube/v3/playlistItems') {
      const item = JSON.parse(body.toString('utf8'));
      const video = videos.get(item.snippet?.resourceId?.videoId);
      if (!video) return googleError(res, 404, 'videoNotFound', 'No such video');
      video.playlistIds.push(item.snippet.playlistId);
      return json(res, 200, { kind: 'youtube#playlistItem', id: randomUUID(), snippet: item.snippet });
    }
    if (req.method === 'POST' && path === '/upload/youtube/v3/thumbnails/set') {
      const video = videos.get(url.searchParams.get('videoId') ?? '');
      if (!video) return googleError(res, 404, 'videoNotFound', 'No such video');
      if (body.length > 2 * 1024 * 1024) return googleError(res, 400, 'mediaBodyTooBig', 'The thumbnail is larger than 2 MB');
      video.thumbnail = { contentType: String(req.headers['content-type']), bytes: body };
      return json(res, 200, { kind: 'youtube#thumbnailSetResponse', items: [{ default: { url: `${base}/vi/${video.id}/default.jpg` } }] });
    }
    if (req.method === 'POST' && path === '/upload/youtube/v3/captions') {
      const [meta, file] = multipartParts(body, String(req.headers['content-type'] ?? ''));
      const snippet = meta ? JSON.parse(meta.body.toString('utf8')).snippet : undefined;
      const video = videos.get(snippet?.videoId ?? '');
      if (!video || !file) return googleError(res, 404, 'videoNotFound', 'No such video, or no caption file');
      video.captions.push({ language: snippet.language, name: snippet.name ?? '', body: file.body.toString('utf8') });
      return json(res, 200, { kind: 'youtube#caption', id: randomUUID(), snippet });
    }
    if (req.method === 'DELETE' && path === '/youtube/v3/videos') {
      const video = videos.get(url.searchParams.get('id') ?? '');
      if (!video || video.deleted) return googleError(res, 404, 'videoNotFound', 'No such video');
      video.deleted = true;
      res.writeHead(204);
      return void res.end();
    }
    if (req.method === 'PUT' && path === '/youtube/v3/videos') {
      const update = JSON.parse(body.toString('utf8'));
      const video = videos.get(update.id);
      if (!video || video.deleted) return googleError(res, 404, 'videoNotFound', 'No such video');
      if (update.status) video.status = { ...video.status, ...update.status };
      return json(res, 200, videoResource(video));
    }
    googleError(res, 404, 'notFound', `No route ${req.method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) googleError(res, 500, 'backendError', String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    base,
    oauthBaseUrl: `${base}/oauth`,
    accountsBaseUrl: base,
    apiBaseUrl: `${base}/youtube/v3`,
    uploadBaseUrl: `${base}/upload/youtube/v3`,
    clientId,
    clientSecret,
    signInAs(email) {
      nextEmail = email;
    },
    authorizations,
    grant() {
      const refreshToken = `1//${randomBytes(16).toString('hex')}`;
      refreshTokens.set(refreshToken, { revoked: false });
      return { accessToken: issue(refreshToken), refreshToken };
    },
    expire(accessToken) {
      const known = accessTokens.get(accessToken);
      if (known) known.expired = true;
    },
    revoke(refreshToken) {
      const known = refreshTokens.get(refreshToken);
      if (known) known.revoked = true;
    },
    cutNextUploadAt(share) {
      cutNext = share;
    },
    slowUploads(ms) {
      chunkDelayMs = ms;
    },
    failNext(count, status, reason, retryAfterSeconds) {
      for (let i = 0; i < count; i++) failures.push({ status, reason, retryAfter: retryAfterSeconds });
    },
    videos,
    stats,
    sessionBytes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
