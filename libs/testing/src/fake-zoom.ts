import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Zoom's OAuth and cloud-recording API on 127.0.0.1, in the documented shapes, for the Zoom
 * client's tests:
 * - user OAuth consent: `GET /oauth/authorize?response_type=code&client_id&redirect_uri&state`
 *   consents at once as the signed-in user (`signInAs`) and redirects to `redirect_uri` with
 *   `code` and `state`; an unknown client or a missing redirect is 400;
 * - `POST /oauth/token` with HTTP Basic `client_id:client_secret`: `grant_type=account_credentials`
 *   (`account_id`), `grant_type=authorization_code` (`code`, once, with the `redirect_uri` it was
 *   issued for) and `grant_type=refresh_token` answer `{access_token, token_type, expires_in,
 *   scope}` (a code or a refresh also a new `refresh_token`); anything else 400 `{reason, error}`;
 * - `GET /v2/users/me`: the token's user (`id`, `email`, `first_name`, `last_name`,
 *   `display_name`, `account_id`);
 * - `GET /v2/users/{userId}/recordings?from&to&page_size&next_page_token`: meetings whose
 *   `start_time` falls in the window, a page at a time with `next_page_token`; a window longer
 *   than 30 days is refused (400, code 300) as Zoom does; `GET /v2/users?status=active` for master
 *   accounts (`users`, paginated the same way);
 * - `GET /v2/meetings/{uuid}/recordings`: one meeting, or `{code: 3301}` (404) while Zoom is still
 *   processing it;
 * - `GET /rec/download/{fileId}`: the file's bytes with `Range` support, only with a live access
 *   token (`Authorization: Bearer` or `?access_token=`), else 401;
 * - errors `{code, message}`; 429 with `Retry-After` when a test queues them;
 * - webhooks as Zoom sends them to an app's event subscription: a `recording.completed` event
 *   (the meeting with its files and a `download_token`) or an `endpoint.url_validation` challenge,
 *   POSTed as JSON with `x-zm-request-timestamp` (seconds) and
 *   `x-zm-signature: v0=<hex HMAC-SHA256(secretToken, "v0:{timestamp}:{body}")>`.
 */
export interface FakeZoomWebhookOptions {
  /** The app's secret token the request is signed with. */
  secretToken: string;
  /** Seconds since the epoch (now by default): an old one plays a replay. */
  timestamp?: number;
  /** Sent instead of the right signature (a forgery). */
  signature?: string;
}

export interface FakeZoomWebhookAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export interface FakeZoomFile {
  id: string;
  fileType: 'MP4' | 'M4A' | 'TRANSCRIPT' | 'CHAT';
  recordingType: string;
  bytes: Buffer;
  status?: 'completed' | 'processing';
}

export interface FakeZoomMeeting {
  uuid: string;
  id: number;
  topic: string;
  hostId: string;
  startTime: string;
  /** Minutes, as Zoom reports it. */
  duration: number;
  files: FakeZoomFile[];
  /** Zoom is still processing it: listing shows it, its details answer 3301. */
  processing?: boolean;
}

/** A Zoom user who can consent to a user-OAuth app. */
export interface FakeZoomUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface FakeZoom {
  base: string;
  oauthBaseUrl: string;
  apiBaseUrl: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
  /** Page size the list answers with at most (the caller's `page_size` if smaller). */
  pageSize: number;
  addMeeting(userId: string, meeting: FakeZoomMeeting): void;
  addUser(user: { id: string; email: string }): void;
  /** A refresh token (and its live access token) for user OAuth. */
  grant(): { accessToken: string; refreshToken: string };
  /** The user the consent page consents as from now on (a new one each time when none was given). */
  signInAs(user: FakeZoomUser): void;
  /** The access token stops working. */
  expire(accessToken: string): void;
  /** Zoom finishes (or starts again) processing a meeting. */
  setProcessing(uuid: string, processing: boolean): void;
  /** The next `count` API calls answer 429 with this Retry-After. */
  rateLimitNext(count: number, retryAfterSeconds: number): void;
  /** Zoom's `recording.completed` event for a meeting added before, of this account (the fake's by default). */
  recordingCompletedEvent(uuid: string, options?: { accountId?: string; hostEmail?: string }): Record<string, unknown>;
  /** Zoom's `endpoint.url_validation` challenge. */
  urlValidationEvent(plainToken?: string): Record<string, unknown>;
  /** POSTs an event to `url` the way Zoom does, signed with the options' secret token. */
  sendWebhook(url: string, event: unknown, options: FakeZoomWebhookOptions): Promise<FakeZoomWebhookAnswer>;
  /** `recordingCompletedEvent` sent with `sendWebhook`. */
  sendRecordingCompleted(url: string, uuid: string, options: FakeZoomWebhookOptions & { accountId?: string; hostEmail?: string }): Promise<FakeZoomWebhookAnswer>;
  readonly stats: { tokenRequests: number; listRequests: number; downloads: number; downloadBytes: number; rateLimited: number; codeExchanges: number };
  close(): Promise<void>;
}

const DAY = 86_400_000;

export async function startFakeZoom(): Promise<FakeZoom> {
  const accountId = `acc-${randomBytes(4).toString('hex')}`;
  const clientId = `cid-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(16).toString('hex');
  const live = new Set<string>();
  const refreshTokens = new Set<string>();
  const meetings = new Map<string, FakeZoomMeeting[]>();
  const users: { id: string; email: string }[] = [];
  let limited = { count: 0, retryAfter: 1 };
  const stats = { tokenRequests: 0, listRequests: 0, downloads: 0, downloadBytes: 0, rateLimited: 0, codeExchanges: 0 };
  /** The user each user-OAuth token (access or refresh) belongs to. */
  const owners = new Map<string, FakeZoomUser>();
  const codes = new Map<string, { user: FakeZoomUser; redirectUri: string }>();
  let signedIn: FakeZoomUser | undefined;
  const issue = (user?: FakeZoomUser) => {
    const token = `zat-${randomBytes(12).toString('hex')}`;
    live.add(token);
    if (user) owners.set(token, user);
    return token;
  };
  const newUser = (): FakeZoomUser => {
    const n = randomBytes(3).toString('hex');
    return { id: `zu-${n}`, email: `user-${n}@zoom.example`, firstName: 'Zoom', lastName: `User ${n}` };
  };
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const bearer = (req: IncomingMessage, url: URL) => (req.headers.authorization ?? '').replace(/^Bearer /, '') || url.searchParams.get('access_token') || '';
  const body = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const page = <T>(items: T[], url: URL) => {
    const size = Math.min(Number(url.searchParams.get('page_size') ?? 30) || 30, fake.pageSize, 300);
    const offset = Number(url.searchParams.get('next_page_token') || 0);
    const slice = items.slice(offset, offset + size);
    return { slice, total: items.length, next: offset + size < items.length ? String(offset + size) : '' };
  };
  const fileView = (m: FakeZoomMeeting, f: FakeZoomFile, base: string) => ({
    id: f.id,
    meeting_id: m.uuid,
    file_type: f.fileType,
    file_extension: f.fileType,
    file_size: f.bytes.length,
    recording_type: f.recordingType,
    status: f.status ?? 'completed',
    recording_start: m.startTime,
    download_url: `${base}/rec/download/${f.id}`,
  });
  const meetingView = (m: FakeZoomMeeting, base: string) => ({
    uuid: m.uuid,
    id: m.id,
    host_id: m.hostId,
    topic: m.topic,
    start_time: m.startTime,
    duration: m.duration,
    total_size: m.files.reduce((n, f) => n + f.bytes.length, 0),
    recording_count: m.files.length,
    recording_files: m.files.map((f) => fileView(m, f, base)),
  });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', fake.base);
    if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
      const redirect = url.searchParams.get('redirect_uri');
      if (url.searchParams.get('client_id') !== clientId || url.searchParams.get('response_type') !== 'code' || !redirect) {
        return json(res, 400, { reason: 'Invalid client_id or redirect_uri', error: 'invalid_request' });
      }
      const code = `zcode-${randomBytes(10).toString('hex')}`;
      codes.set(code, { user: signedIn ?? newUser(), redirectUri: redirect });
      const target = new URL(redirect);
      target.searchParams.set('code', code);
      if (url.searchParams.get('state')) target.searchParams.set('state', url.searchParams.get('state')!);
      res.writeHead(302, { location: target.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && url.pathname === '/oauth/token') {
      stats.tokenRequests += 1;
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
      const form = new URLSearchParams(url.search.length > 1 ? url.search : await body(req));
      if (basic !== `${clientId}:${clientSecret}`) return json(res, 401, { reason: 'Invalid client_id or client_secret', error: 'invalid_client' });
      const grant = form.get('grant_type');
      if (grant === 'account_credentials' && form.get('account_id') === accountId) {
        return json(res, 200, { access_token: issue(), token_type: 'bearer', expires_in: 3599, scope: 'cloud_recording:read:list_user_recordings:admin' });
      }
      if (grant === 'authorization_code') {
        const issued = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        if (!issued || issued.redirectUri !== form.get('redirect_uri')) return json(res, 400, { reason: 'Invalid authorization code', error: 'invalid_grant' });
        stats.codeExchanges += 1;
        const refresh = `zrt-${randomBytes(12).toString('hex')}`;
        refreshTokens.add(refresh);
        owners.set(refresh, issued.user);
        return json(res, 200, { access_token: issue(issued.user), token_type: 'bearer', refresh_token: refresh, expires_in: 3599, scope: 'cloud_recording:read:list_user_recordings user:read:user' });
      }
      if (grant === 'refresh_token' && refreshTokens.has(form.get('refresh_token') ?? '')) {
        const user = owners.get(form.get('refresh_token') ?? '');
        refreshTokens.delete(form.get('refresh_token') ?? '');
        const refresh = `zrt-${randomBytes(12).toString('hex')}`;
        refreshTokens.add(refresh);
        if (user) owners.set(refresh, user);
        return json(res, 200, { access_token: issue(user), token_type: 'bearer', refresh_token: refresh, expires_in: 3599, scope: 'cloud_recording:read:list_user_recordings' });
      }
      return json(res, 400, { reason: 'Invalid Token!', error: 'invalid_request' });
    }
    if (limited.count > 0) {
      limited.count -= 1;
      stats.rateLimited += 1;
      return json(res, 429, { code: 429, message: "You have reached the maximum per-second rate limit for this API. Try again later." }, { 'retry-after': String(limited.retryAfter) });
    }
    if (!live.has(bearer(req, url))) return json(res, 401, { code: 124, message: 'Invalid access token.' });
    let match: RegExpExecArray | null;
    if (req.method === 'GET' && url.pathname === '/v2/users/me') {
      const user = owners.get(bearer(req, url));
      if (!user) return json(res, 400, { code: 1001, message: 'User does not exist or does not belong to this account.' });
      return json(res, 200, { id: user.id, email: user.email, first_name: user.firstName, last_name: user.lastName, display_name: `${user.firstName} ${user.lastName}`, type: 1, status: 'active', account_id: accountId });
    }
    if (req.method === 'GET' && (match = /^\/v2\/users\/([^/]+)\/recordings$/.exec(url.pathname))) {
      stats.listRequests += 1;
      const from = Date.parse(`${url.searchParams.get('from')}T00:00:00Z`);
      const to = Date.parse(`${url.searchParams.get('to')}T00:00:00Z`);
      if (Number.isNaN(from) || Number.isNaN(to) || to < from) return json(res, 400, { code: 300, message: 'Invalid date range.' });
      if (to - from > 30 * DAY) return json(res, 400, { code: 300, message: 'The maximum date range is 1 month.' });
      const inWindow = (meetings.get(decodeURIComponent(match[1])) ?? []).filter((m) => Date.parse(m.startTime) >= from && Date.parse(m.startTime) < to + DAY);
      const p = page(inWindow, url);
      return json(res, 200, { from: url.searchParams.get('from'), to: url.searchParams.get('to'), page_size: p.slice.length, total_records: p.total, next_page_token: p.next, meetings: p.slice.map((m) => meetingView(m, fake.base)) });
    }
    if (req.method === 'GET' && url.pathname === '/v2/users') {
      const p = page(users, url);
      return json(res, 200, { page_size: p.slice.length, total_records: p.total, next_page_token: p.next, users: p.slice.map((u) => ({ id: u.id, email: u.email, status: 'active' })) });
    }
    if (req.method === 'GET' && (match = /^\/v2\/meetings\/(.+)\/recordings$/.exec(url.pathname))) {
      const uuid = decodeURIComponent(decodeURIComponent(match[1]));
      const meeting = [...meetings.values()].flat().find((m) => m.uuid === uuid);
      if (!meeting) return json(res, 404, { code: 3301, message: 'This recording does not exist.' });
      if (meeting.processing) return json(res, 404, { code: 3301, message: 'This recording is still processing.' });
      return json(res, 200, { ...meetingView(meeting, fake.base), download_access_token: bearer(req, url) });
    }
    if (req.method === 'GET' && (match = /^\/rec\/download\/(.+)$/.exec(url.pathname))) {
      const file = [...meetings.values()].flat().flatMap((m) => m.files).find((f) => f.id === match![1]);
      if (!file) return json(res, 404, { code: 1001, message: 'File does not exist.' });
      stats.downloads += 1;
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const end = range && range[2] ? Math.min(Number(range[2]), file.bytes.length - 1) : file.bytes.length - 1;
      if (start >= file.bytes.length) {
        res.writeHead(416, { 'content-range': `bytes */${file.bytes.length}` });
        return res.end();
      }
      const part = file.bytes.subarray(start, end + 1);
      stats.downloadBytes += part.length;
      res.writeHead(range ? 206 : 200, {
        'content-type': file.fileType === 'M4A' ? 'audio/mp4' : 'video/mp4',
        'content-length': String(part.length),
        'accept-ranges': 'bytes',
        etag: `"${file.id}"`,
        ...(range ? { 'content-range': `bytes ${start}-${end}/${file.bytes.length}` } : {}),
      });
      return res.end(part);
    }
    return json(res, 404, { code: 404, message: 'Not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fake: FakeZoom = {
    base,
    oauthBaseUrl: base,
    apiBaseUrl: `${base}/v2`,
    accountId,
    clientId,
    clientSecret,
    pageSize: 30,
    addMeeting: (userId, meeting) => meetings.set(userId, [...(meetings.get(userId) ?? []), meeting]),
    addUser: (user) => users.push(user),
    grant: () => {
      const refreshToken = `zrt-${randomBytes(12).toString('hex')}`;
      refreshTokens.add(refreshToken);
      return { accessToken: issue(), refreshToken };
    },
    signInAs: (user) => void (signedIn = user),
    expire: (token) => void live.delete(token),
    setProcessing: (uuid, processing) => {
      for (const m of [...meetings.values()].flat()) if (m.uuid === uuid) m.processing = processing;
    },
    rateLimitNext: (count, retryAfterSeconds) => void (limited = { count, retryAfter: retryAfterSeconds }),
    recordingCompletedEvent: (uuid, options = {}) => {
      const meeting = [...meetings.values()].flat().find((m) => m.uuid === uuid);
      if (!meeting) throw new Error(`The fake Zoom has no meeting ${uuid}`);
      return {
        event: 'recording.completed',
        event_ts: Date.now(),
        payload: {
          account_id: options.accountId ?? accountId,
          object: { ...meetingView(meeting, base), account_id: options.accountId ?? accountId, host_email: options.hostEmail ?? `${meeting.hostId}@example.org`, type: 2, timezone: 'UTC' },
        },
        download_token: `zdt-${randomBytes(12).toString('hex')}`,
      };
    },
    urlValidationEvent: (plainToken = randomBytes(16).toString('base64url')) => ({ event: 'endpoint.url_validation', event_ts: Date.now(), payload: { plainToken } }),
    sendWebhook: async (url, event, options) => {
      const body = JSON.stringify(event);
      const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
      const signature = options.signature ?? `v0=${createHmac('sha256', options.secretToken).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Zoom Marketplace/1.0a', 'x-zm-request-timestamp': timestamp, 'x-zm-signature': signature },
        body,
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: kept as text
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    sendRecordingCompleted: (url, uuid, options) => fake.sendWebhook(url, fake.recordingCompletedEvent(uuid, options), options),
    stats,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
