import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Yandex OAuth and the Yandex Disk REST API (`/v1/disk`) on 127.0.0.1, in the documented shapes,
 * as far as a source sync and an uploader use them:
 * - OAuth: `GET /oauth/authorize` (consent given at once, as the signed-in account (`signInAs`)
 *   or a new one: a redirect with `code` and `state`; a `code_challenge` (S256) binds the code to
 *   its verifier), `POST /oauth/token` with `grant_type=authorization_code` (`code_verifier` checked
 *   when the code was bound) or `refresh_token` (client id and secret in the form or as HTTP
 *   Basic), errors as `{error, error_description}`;
 * - `GET /v1/disk/` (the disk and its owner), `GET /v1/disk/resources` (a file, or a folder with
 *   `_embedded.items` paged by `limit`/`offset`), `GET /v1/disk/resources/download` and
 *   `/resources/upload` (each answers a Link `{href, method, templated}`; the download href
 *   redirects once, as Yandex's downloader does, then serves the bytes with `Range`; a `PUT` to the
 *   upload href stores the body), `PUT /v1/disk/resources` (a folder), `DELETE /v1/disk/resources`,
 *   `PUT /v1/disk/resources/publish` and `/unpublish`;
 * - public links without a token: `GET /v1/disk/public/resources` and
 *   `/public/resources/download`, by `public_key` (the key or the whole public URL) and `path`
 *   inside a shared folder;
 * - errors as Yandex writes them, `{message, description, error}`: 401 `UnauthorizedError`, 404
 *   `DiskNotFoundError`, 409 `DiskResourceAlreadyExistsError` / `DiskPathDoesntExistsError` /
 *   `DiskPathPointsToExistentDirectoryError`, and any status queued by a test (429 with Retry-After).
 * Tests seed files, rename them (the `resource_id` stays), expire or revoke tokens, and read what
 * was uploaded; bytes served and received are counted.
 */
export interface FakeYandexFile {
  type: 'file' | 'dir';
  /** `disk:/Video/lecture.mp4` */
  path: string;
  name: string;
  resourceId: string;
  created: string;
  modified: string;
  /** The content (empty when uploads are only hashed: see `hashUploadsOnly`). */
  bytes: Buffer;
  size: number;
  mimeType: string;
  md5: string;
  sha256: string;
  publicKey?: string;
  publicUrl?: string;
}

export interface FakeYandexAccount {
  uid: string;
  login: string;
  disk: Map<string, FakeYandexFile>;
}

export interface FakeYandexDisk {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** For `YANDEX_DISK_API_BASE_URL`: `<base>/v1/disk` */
  apiBaseUrl: string;
  /** For `YANDEX_OAUTH_BASE_URL`: `<base>/oauth` (token endpoint `<base>/oauth/token`) */
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** A new account (its own disk) with a refresh token and a live access token. */
  grant(login?: string): { accessToken: string; refreshToken: string; account: FakeYandexAccount };
  /** A one-time code for the `authorization_code` grant, for a new account or a given one. */
  code(account?: FakeYandexAccount): string;
  /** The account the consent page consents as from now on (a new one each time when none was given). */
  signInAs(account: FakeYandexAccount | undefined): void;
  /** The access token stops working (as when it expired); its refresh token still works. */
  expire(accessToken: string): void;
  /** The refresh token and every access token from it stop working (the user revoked access). */
  revoke(refreshToken: string): void;
  /** The account of a token. */
  accountOf(token: string): FakeYandexAccount;
  /** Puts a file (its folders made as needed); answers it. */
  putFile(account: FakeYandexAccount, path: string, bytes: Buffer, options?: { modified?: Date; mimeType?: string }): FakeYandexFile;
  mkdir(account: FakeYandexAccount, path: string): FakeYandexFile;
  /** Moves a file or folder; its `resource_id` stays (as on Yandex Disk). */
  move(account: FakeYandexAccount, from: string, to: string): void;
  /** Publishes a file or folder: answers its public key and URL. */
  publish(account: FakeYandexAccount, path: string): { publicKey: string; publicUrl: string };
  /** The file at a path, if any. */
  file(account: FakeYandexAccount, path: string): FakeYandexFile | undefined;
  /** Uploads are hashed and counted but their bytes not kept (for big uploads in a memory test). */
  hashUploadsOnly(on: boolean): void;
  /** Each chunk of an upload's body is read this many milliseconds late (0: at once), so a test can act mid-transfer. */
  slowUploads(ms: number): void;
  /** The next `count` API calls (the OAuth and byte endpoints excepted) fail with this status and error. */
  failNext(count: number, status: number, error: string, retryAfterSeconds?: number): void;
  readonly stats: { apiCalls: number; refreshes: number; codeExchanges: number; bytesServed: number; bytesUploaded: number; uploads: number; listings: number };
  close(): Promise<void>;
}

const ERRORS: Record<string, { description: string; message: string }> = {
  UnauthorizedError: { description: 'Unauthorized', message: 'Не авторизован.' },
  DiskNotFoundError: { description: 'Resource not found.', message: 'Не удалось найти запрошенный ресурс.' },
  DiskResourceAlreadyExistsError: { description: 'Resource already exists.', message: 'Ресурс уже существует.' },
  DiskPathDoesntExistsError: { description: 'Specified path doesn’t exists.', message: 'Указанного пути не существует.' },
  DiskPathPointsToExistentDirectoryError: { description: 'Specified path points to existent directory.', message: 'По указанному пути уже существует папка.' },
  FieldValidationError: { description: 'Error validating field.', message: 'Ошибка проверки поля.' },
  TooManyRequestsError: { description: 'Too Many Requests', message: 'Слишком много запросов.' },
};

function diskError(res: ServerResponse, status: number, error: string, headers: Record<string, string> = {}, detail?: string): void {
  const known = ERRORS[error] ?? { description: error, message: error };
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify({ message: known.message, description: detail ?? known.description, error }));
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `disk:/a/b`, `/a/b/`, `a/b` → `/a/b` (the root is `/`). */
function normalise(path: string): string {
  const bare = path.replace(/^disk:/, '');
  const segments = bare.split('/').filter((s) => s.length > 0);
  return `/${segments.join('/')}`;
}

function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at <= 0 ? '/' : path.slice(0, at);
}

const MIME: Record<string, string> = { mp4: 'video/mp4', mkv: 'video/x-matroska', webm: 'video/webm', mov: 'video/quicktime', mp3: 'audio/mpeg', m4a: 'audio/mp4', txt: 'text/plain', srt: 'application/x-subrip', vtt: 'text/vtt' };

export async function startFakeYandexDisk(): Promise<FakeYandexDisk> {
  const clientId = randomBytes(16).toString('hex');
  const clientSecret = randomBytes(16).toString('hex');
  const accounts: FakeYandexAccount[] = [];
  const refreshTokens = new Map<string, { account: FakeYandexAccount; revoked: boolean }>();
  const accessTokens = new Map<string, { account: FakeYandexAccount; refreshToken: string; expired: boolean }>();
  const codes = new Map<string, FakeYandexAccount>();
  /** PKCE: the S256 challenge a code was issued with. */
  const challenges = new Map<string, string>();
  let signedIn: FakeYandexAccount | undefined;
  /** Download ids: a file's bytes are served while it is still on its disk (moved or not). */
  const downloads = new Map<string, FakeYandexFile>();
  const uploads = new Map<string, { account: FakeYandexAccount; path: string; used: boolean }>();
  const publicKeys = new Map<string, { account: FakeYandexAccount; path: string }>();
  const failures: { status: number; error: string; retryAfter?: number }[] = [];
  const stats = { apiCalls: 0, refreshes: 0, codeExchanges: 0, bytesServed: 0, bytesUploaded: 0, uploads: 0, listings: 0 };
  let base = '';
  let apiBaseUrl = '';
  let counter = 0;
  let uploadDelayMs = 0;
  let hashOnly = false;

  const newAccount = (login?: string): FakeYandexAccount => {
    const uid = String(1_000_000_000 + accounts.length + Math.floor(Math.random() * 1000) * 1000);
    const account: FakeYandexAccount = { uid, login: login ?? `user${accounts.length + 1}`, disk: new Map() };
    const now = new Date().toISOString();
    account.disk.set('/', { type: 'dir', path: 'disk:/', name: 'disk', resourceId: `${uid}:${randomBytes(32).toString('hex')}`, created: now, modified: now, bytes: Buffer.alloc(0), size: 0, mimeType: '', md5: '', sha256: '' });
    accounts.push(account);
    return account;
  };

  const issue = (account: FakeYandexAccount): { accessToken: string; refreshToken: string } => {
    const refreshToken = `1:${randomBytes(12).toString('base64url')}:${randomBytes(24).toString('base64url')}`;
    refreshTokens.set(refreshToken, { account, revoked: false });
    return { accessToken: access(account, refreshToken), refreshToken };
  };
  const access = (account: FakeYandexAccount, refreshToken: string): string => {
    const accessToken = `y0_${randomBytes(24).toString('base64url')}`;
    accessTokens.set(accessToken, { account, refreshToken, expired: false });
    return accessToken;
  };

  const makeDir = (account: FakeYandexAccount, path: string): FakeYandexFile => {
    const now = new Date().toISOString();
    const dir: FakeYandexFile = {
      type: 'dir',
      path: `disk:${path}`,
      name: path.slice(path.lastIndexOf('/') + 1),
      resourceId: `${account.uid}:${randomBytes(32).toString('hex')}`,
      created: now,
      modified: now,
      bytes: Buffer.alloc(0),
      size: 0,
      mimeType: '',
      md5: '',
      sha256: '',
    };
    account.disk.set(path, dir);
    return dir;
  };
  const mkdirs = (account: FakeYandexAccount, path: string): void => {
    if (path === '/' || account.disk.has(path)) return;
    mkdirs(account, parentOf(path));
    makeDir(account, path);
  };
  const storeFile = (
    account: FakeYandexAccount,
    path: string,
    bytes: Buffer,
    options: { modified?: Date; mimeType?: string; hashed?: { size: number; md5: string; sha256: string } } = {},
  ): FakeYandexFile => {
    const existing = account.disk.get(path);
    const now = (options.modified ?? new Date()).toISOString();
    const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
    const file: FakeYandexFile = {
      type: 'file',
      path: `disk:${path}`,
      name: path.slice(path.lastIndexOf('/') + 1),
      resourceId: existing?.resourceId ?? `${account.uid}:${randomBytes(32).toString('hex')}`,
      created: existing?.created ?? now,
      modified: now,
      bytes,
      size: options.hashed?.size ?? bytes.length,
      mimeType: options.mimeType ?? MIME[ext] ?? 'application/octet-stream',
      md5: options.hashed?.md5 ?? createHash('md5').update(bytes).digest('hex'),
      sha256: options.hashed?.sha256 ?? createHash('sha256').update(bytes).digest('hex'),
    };
    account.disk.set(path, file);
    return file;
  };
  const children = (account: FakeYandexAccount, path: string): FakeYandexFile[] =>
    [...account.disk.entries()]
      .filter(([p]) => p !== '/' && parentOf(p) === path)
      .map(([, f]) => f)
      .sort((a, b) => a.name.localeCompare(b.name));

  const mediaType = (mime: string) => (mime.startsWith('video/') ? 'video' : mime.startsWith('audio/') ? 'audio' : mime.startsWith('text/') ? 'text' : 'unknown');

  /** A resource as the API writes it; `view` maps the path (public resources show it relative to the shared folder). */
  const resource = (f: FakeYandexFile, view: (f: FakeYandexFile) => Record<string, unknown> = (x) => ({ path: x.path })): Record<string, unknown> => ({
    name: f.name,
    ...view(f),
    type: f.type,
    resource_id: f.resourceId,
    created: f.created,
    modified: f.modified,
    revision: Date.parse(f.modified) * 1000,
    ...(f.publicKey ? { public_key: f.publicKey, public_url: f.publicUrl } : {}),
    ...(f.type === 'file'
      ? { size: f.size, mime_type: f.mimeType, media_type: mediaType(f.mimeType), md5: f.md5, sha256: f.sha256, file: `${base}/download/${downloadId(f)}` }
      : {}),
  });
  const downloadIds = new WeakMap<FakeYandexFile, string>();
  const downloadId = (f: FakeYandexFile): string => {
    let id = downloadIds.get(f);
    if (!id) {
      id = randomBytes(16).toString('hex');
      downloadIds.set(f, id);
      downloads.set(id, f);
    }
    return id;
  };
  const stillStored = (f: FakeYandexFile): boolean => accounts.some((a) => a.disk.get(f.path.slice('disk:'.length)) === f);

  const folder = (
    res: ServerResponse,
    url: URL,
    dir: FakeYandexFile,
    items: FakeYandexFile[],
    view?: (f: FakeYandexFile) => Record<string, unknown>,
  ): void => {
    const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 20) || 20, 1), 10_000);
    const offset = Math.max(Number(url.searchParams.get('offset') ?? 0) || 0, 0);
    stats.listings += 1;
    json(res, 200, {
      ...resource(dir, view),
      _embedded: { items: items.slice(offset, offset + limit).map((i) => resource(i, view)), limit, offset, total: items.length, path: view ? view(dir).path : dir.path, sort: 'name' },
    });
  };

  const link = (href: string, method = 'GET') => ({ href, method, templated: false });

  async function handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams((await readBody(req)).toString('utf8'));
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
    const id = form.get('client_id') ?? basicId;
    const secret = form.get('client_secret') ?? basicSecret;
    if (id !== clientId || secret !== clientSecret) return json(res, 400, { error: 'invalid_client', error_description: 'Client not found' });
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      const account = codes.get(form.get('code') ?? '');
      if (!account) return json(res, 400, { error: 'invalid_grant', error_description: 'Code has expired' });
      const challenge = challenges.get(form.get('code')!);
      codes.delete(form.get('code')!);
      challenges.delete(form.get('code')!);
      if (challenge && createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== challenge) {
        return json(res, 400, { error: 'invalid_grant', error_description: 'Code verifier is invalid' });
      }
      stats.codeExchanges += 1;
      const tokens = issue(account);
      return json(res, 200, { token_type: 'bearer', access_token: tokens.accessToken, expires_in: 31_536_000, refresh_token: tokens.refreshToken, scope: 'cloud_api:disk.read cloud_api:disk.write cloud_api:disk.info' });
    }
    if (grant === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      const known = refreshTokens.get(refreshToken);
      if (!known || known.revoked) return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
      stats.refreshes += 1;
      return json(res, 200, { token_type: 'bearer', access_token: access(known.account, refreshToken), expires_in: 31_536_000, refresh_token: refreshToken });
    }
    return json(res, 400, { error: 'unsupported_grant_type', error_description: `Unsupported grant_type ${grant}` });
  }

  /** Serves a file's bytes with Range, If-Range and an ETag. */
  function serveBytes(req: IncomingMessage, res: ServerResponse, f: FakeYandexFile): void {
    const size = f.bytes.length;
    const etag = `"${f.md5}"`;
    const headers: Record<string, string> = { 'content-type': f.mimeType, 'accept-ranges': 'bytes', etag, 'last-modified': new Date(f.modified).toUTCString() };
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    const ifRange = req.headers['if-range'];
    if (range && (!ifRange || ifRange === etag || ifRange === headers['last-modified'])) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` });
        return void res.end();
      }
      const part = f.bytes.subarray(start, end + 1);
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': String(part.length) });
      stats.bytesServed += part.length;
      return void res.end(part);
    }
    res.writeHead(200, { ...headers, 'content-length': String(size) });
    stats.bytesServed += size;
    res.end(f.bytes);
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const upload = uploads.get(id);
    if (!upload || upload.used || req.method !== 'PUT') {
      await readBody(req).catch(() => undefined);
      return diskError(res, 404, 'DiskNotFoundError');
    }
    upload.used = true;
    const chunks: Buffer[] = [];
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    let size = 0;
    // A transfer that breaks off (the client aborted) stores nothing: the loop throws.
    for await (const chunk of req) {
      if (!hashOnly) chunks.push(chunk as Buffer);
      md5.update(chunk as Buffer);
      sha256.update(chunk as Buffer);
      size += (chunk as Buffer).length;
      stats.bytesUploaded += (chunk as Buffer).length;
      if (uploadDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, uploadDelayMs));
    }
    stats.uploads += 1;
    storeFile(upload.account, upload.path, Buffer.concat(chunks), { hashed: { size, md5: md5.digest('hex'), sha256: sha256.digest('hex') } });
    res.writeHead(201);
    res.end();
  }

  /** The token's account, or an answered 401. */
  const authorized = (req: IncomingMessage, res: ServerResponse): FakeYandexAccount | undefined => {
    const token = /^(?:OAuth|Bearer) (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const known = token ? accessTokens.get(token) : undefined;
    if (!known || known.expired || refreshTokens.get(known.refreshToken)?.revoked) {
      diskError(res, 401, 'UnauthorizedError');
      return undefined;
    }
    return known.account;
  };

  /** The shared resource a public key (or public URL) and a path inside it name. */
  const publicTarget = (url: URL): { root: FakeYandexFile; rootPath: string; account: FakeYandexAccount; path: string } | undefined => {
    const raw = url.searchParams.get('public_key') ?? '';
    const key = raw.startsWith('http') ? raw.slice(raw.lastIndexOf('/') + 1) : raw;
    const shared = publicKeys.get(key);
    if (!shared) return undefined;
    const root = shared.account.disk.get(shared.path);
    if (!root || root.publicKey !== key) return undefined;
    const inner = normalise(url.searchParams.get('path') ?? '/');
    const path = inner === '/' ? shared.path : `${shared.path === '/' ? '' : shared.path}${inner}`;
    return { root, rootPath: shared.path, account: shared.account, path };
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL, sub: string): Promise<void> {
    stats.apiCalls += 1;
    const failure = failures.shift();
    if (failure) {
      await readBody(req);
      return diskError(res, failure.status, failure.error, failure.retryAfter !== undefined ? { 'retry-after': String(failure.retryAfter) } : {});
    }

    if (req.method === 'GET' && (sub === '/public/resources' || sub === '/public/resources/download')) {
      const target = publicTarget(url);
      const f = target ? target.account.disk.get(target.path) : undefined;
      if (!target || !f) return diskError(res, 404, 'DiskNotFoundError');
      if (sub === '/public/resources/download') {
        if (f.type !== 'file') return diskError(res, 404, 'DiskNotFoundError');
        return json(res, 200, link(`${base}/download/${downloadId(f)}?redirect=1`));
      }
      const prefix = target.rootPath === '/' ? '' : target.rootPath;
      const view = (x: FakeYandexFile) => ({ path: normalise(x.path.slice('disk:'.length).slice(prefix.length)), public_key: target.root.publicKey });
      if (f.type === 'file') return json(res, 200, { ...resource(f, view), ...(f === target.root ? { public_url: f.publicUrl } : {}) });
      return folder(res, url, f, children(target.account, target.path), view);
    }

    const account = authorized(req, res);
    if (!account) return void (await readBody(req).catch(() => undefined));
    await readBody(req);
    const path = normalise(url.searchParams.get('path') ?? '');

    if (req.method === 'GET' && (sub === '' || sub === '/')) {
      const used = [...account.disk.values()].reduce((n, f) => n + f.size, 0);
      return json(res, 200, { total_space: 10 * 2 ** 30, used_space: used, trash_size: 0, user: { uid: account.uid, login: account.login, display_name: account.login, country: 'ru' } });
    }
    if (!url.searchParams.get('path')) return diskError(res, 400, 'FieldValidationError', {}, 'path: required');
    const found = account.disk.get(path);

    if (req.method === 'GET' && sub === '/resources') {
      if (!found) return diskError(res, 404, 'DiskNotFoundError');
      if (found.type === 'file') return json(res, 200, resource(found));
      return folder(res, url, found, children(account, path));
    }
    if (req.method === 'GET' && sub === '/resources/download') {
      if (!found || found.type !== 'file') return diskError(res, 404, 'DiskNotFoundError');
      return json(res, 200, link(`${base}/download/${downloadId(found)}?redirect=1`));
    }
    if (req.method === 'GET' && sub === '/resources/upload') {
      if (found?.type === 'dir') return diskError(res, 409, 'DiskPathPointsToExistentDirectoryError');
      if (found && url.searchParams.get('overwrite') !== 'true') return diskError(res, 409, 'DiskResourceAlreadyExistsError', {}, `Resource "disk:${path}" already exists.`);
      if (account.disk.get(parentOf(path))?.type !== 'dir') return diskError(res, 409, 'DiskPathDoesntExistsError');
      const id = randomBytes(16).toString('hex');
      uploads.set(id, { account, path, used: false });
      return json(res, 200, { operation_id: `op-${id}`, ...link(`${base}/upload/${id}`, 'PUT') });
    }
    if (req.method === 'PUT' && sub === '/resources') {
      if (found?.type === 'dir') return diskError(res, 409, 'DiskPathPointsToExistentDirectoryError');
      if (found) return diskError(res, 409, 'DiskResourceAlreadyExistsError');
      if (account.disk.get(parentOf(path))?.type !== 'dir') return diskError(res, 409, 'DiskPathDoesntExistsError');
      makeDir(account, path);
      return json(res, 201, link(`${apiBaseUrl}/resources?path=${encodeURIComponent(`disk:${path}`)}`));
    }
    if (req.method === 'DELETE' && sub === '/resources') {
      if (!found || path === '/') return diskError(res, 404, 'DiskNotFoundError');
      for (const p of [...account.disk.keys()]) if (p === path || p.startsWith(`${path}/`)) account.disk.delete(p);
      if (found.publicKey) publicKeys.delete(found.publicKey);
      res.writeHead(204);
      return void res.end();
    }
    if (req.method === 'PUT' && (sub === '/resources/publish' || sub === '/resources/unpublish')) {
      if (!found) return diskError(res, 404, 'DiskNotFoundError');
      if (sub === '/resources/publish') publishAt(account, path);
      else if (found.publicKey) {
        publicKeys.delete(found.publicKey);
        found.publicKey = undefined;
        found.publicUrl = undefined;
      }
      return json(res, 200, link(`${apiBaseUrl}/resources?path=${encodeURIComponent(`disk:${path}`)}`));
    }
    diskError(res, 404, 'DiskNotFoundError', {}, `No route ${req.method} ${sub}`);
  }

  const publishAt = (account: FakeYandexAccount, path: string): { publicKey: string; publicUrl: string } => {
    const f = account.disk.get(path);
    if (!f) throw new Error(`No ${path} on the fake disk`);
    if (!f.publicKey) {
      f.publicKey = randomBytes(10).toString('base64url');
      f.publicUrl = `https://disk.yandex.ru/${f.type === 'dir' ? 'd' : 'i'}/${f.publicKey}`;
      publicKeys.set(f.publicKey, { account, path });
    }
    return { publicKey: f.publicKey, publicUrl: f.publicUrl! };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname;
    if (req.method === 'POST' && path === '/oauth/token') return handleToken(req, res);
    if (req.method === 'GET' && path === '/oauth/authorize') {
      const redirect = url.searchParams.get('redirect_uri');
      if (url.searchParams.get('client_id') !== clientId || !redirect) return json(res, 400, { error: 'invalid_client', error_description: 'Client not found' });
      const target = new URL(redirect);
      const code = fake.code(signedIn);
      if (url.searchParams.get('code_challenge')) {
        if (url.searchParams.get('code_challenge_method') !== 'S256') return json(res, 400, { error: 'invalid_request', error_description: 'code_challenge_method must be S256' });
        challenges.set(code, url.searchParams.get('code_challenge')!);
      }
      target.searchParams.set('code', code);
      if (url.searchParams.get('state')) target.searchParams.set('state', url.searchParams.get('state')!);
      res.writeHead(302, { location: target.toString() });
      return void res.end();
    }
    const download = /^\/download\/([0-9a-f]+)$/.exec(path);
    if (download && (req.method === 'GET' || req.method === 'HEAD')) {
      const f = downloads.get(download[1]);
      if (!f || !stillStored(f)) return diskError(res, 404, 'DiskNotFoundError');
      // Yandex's downloader answers with a redirect to the storage node that has the file.
      if (url.searchParams.get('redirect')) {
        res.writeHead(302, { location: `${base}/download/${download[1]}` });
        return void res.end();
      }
      return serveBytes(req, res, f);
    }
    const upload = /^\/upload\/([0-9a-f]+)$/.exec(path);
    if (upload) return handleUpload(req, res, upload[1]);
    if (path === '/v1/disk' || path.startsWith('/v1/disk/')) return handleApi(req, res, url, path.slice('/v1/disk'.length));
    diskError(res, 404, 'DiskNotFoundError', {}, `No route ${req.method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) diskError(res, 500, 'InternalServerError', {}, String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  apiBaseUrl = `${base}/v1/disk`;

  const fake: FakeYandexDisk = {
    base,
    apiBaseUrl,
    oauthBaseUrl: `${base}/oauth`,
    clientId,
    clientSecret,
    grant(login) {
      const account = newAccount(login);
      return { ...issue(account), account };
    },
    code(account) {
      const code = String(1_000_000 + ++counter * 7919 + Math.floor(Math.random() * 1000));
      codes.set(code, account ?? newAccount());
      return code;
    },
    signInAs(account) {
      signedIn = account;
    },
    expire(accessToken) {
      const known = accessTokens.get(accessToken);
      if (known) known.expired = true;
    },
    revoke(refreshToken) {
      const known = refreshTokens.get(refreshToken);
      if (known) known.revoked = true;
    },
    accountOf(token) {
      const account = accessTokens.get(token)?.account ?? refreshTokens.get(token)?.account;
      if (!account) throw new Error('Unknown token');
      return account;
    },
    putFile(account, path, bytes, options) {
      const p = normalise(path);
      mkdirs(account, parentOf(p));
      return storeFile(account, p, bytes, options);
    },
    mkdir(account, path) {
      const p = normalise(path);
      mkdirs(account, p);
      return account.disk.get(p)!;
    },
    move(account, from, to) {
      const src = normalise(from);
      const dst = normalise(to);
      mkdirs(account, parentOf(dst));
      for (const [p, f] of [...account.disk.entries()]) {
        if (p !== src && !p.startsWith(`${src}/`)) continue;
        const moved = dst + p.slice(src.length);
        account.disk.delete(p);
        f.path = `disk:${moved}`;
        f.name = moved.slice(moved.lastIndexOf('/') + 1);
        account.disk.set(moved, f);
        if (f.publicKey) publicKeys.set(f.publicKey, { account, path: moved });
      }
    },
    publish: (account, path) => publishAt(account, normalise(path)),
    file: (account, path) => account.disk.get(normalise(path)),
    hashUploadsOnly(on) {
      hashOnly = on;
    },
    slowUploads(ms) {
      uploadDelayMs = ms;
    },
    failNext(count, status, error, retryAfterSeconds) {
      for (let i = 0; i < count; i++) failures.push({ status, error, retryAfter: retryAfterSeconds });
    },
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
