import { Transform, type Readable } from 'node:stream';
import { LeapError } from '@leap/errors';
import type { OutboundHttp, OutboundResponse } from '@leap/outbound';
import { YandexDiskError } from './errors';
import { diskPath, errorName, failureOf, linkHref, readJson, retryAfterOf, retryAfterSeconds, toResource, type DiskResource } from './wire';

export type { DiskResource } from './wire';
export { diskPath } from './wire';

/** Where Yandex is, and the OAuth client the tokens were issued to (needed to refresh them). */
export interface YandexDiskSettings {
  /** `YANDEX_DISK_API_BASE_URL`: `https://cloud-api.yandex.net/v1/disk` */
  apiBaseUrl: string;
  /** `YANDEX_OAUTH_BASE_URL`: `https://oauth.yandex.ru` */
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
}

export interface YandexTokens {
  accessToken: string;
  refreshToken?: string;
}

/** An account's tokens: refreshed once on a 401, and the new ones handed back to be stored. */
export interface YandexAccount {
  tokens: YandexTokens;
  onRefreshed?(tokens: YandexTokens): Promise<void>;
}


export interface ListOptions {
  /** Into sub-folders too. */
  recursive?: boolean;
  /** A regular expression a file's name must match (the reference's `file_pattern`). */
  pattern?: string;
  signal?: AbortSignal;
}

export interface ClientOptions {
  /** Items per listing page (the API's `limit`). */
  pageSize?: number;
  /** The most files one listing answers (a guard against a disk of millions). */
  maxItems?: number;
  /** 429s in a row the client waits out (by `Retry-After`) before it gives up with `rate_limited`. */
  rateLimitRetries?: number;
  /** The longest `Retry-After` the client waits itself; a longer one is the caller's to schedule. */
  maxRetryAfterSeconds?: number;
  /** Waits (a test can make it instant). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** What an upload sends: the bytes as a stream opened when the transfer starts, and their size. */
export interface UploadBody {
  open(): Readable | Promise<Readable>;
  size: number;
  contentType?: string;
}

const MAX_PATTERN_LENGTH = 500;

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The file-name filter of a listing: a regular expression, refused (422) when it is not one. */
export function filePattern(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined || pattern === '') return undefined;
  if (pattern.length > MAX_PATTERN_LENGTH) throw new LeapError('YANDEX_DISK.INVALID_PATTERN', `filePattern: at most ${MAX_PATTERN_LENGTH} characters`, { status: 422 });
  try {
    return new RegExp(pattern);
  } catch (error) {
    throw new LeapError('YANDEX_DISK.INVALID_PATTERN', `filePattern: not a regular expression (${(error as Error).message})`, { status: 422 });
  }
}

/**
 * The Yandex Disk REST API (`/v1/disk`) and Yandex OAuth, as LEAP's sources and uploads use them,
 * every request through the outbound address guard (the hrefs Yandex answers included):
 * listings (recursive, paged, filtered by a file-name pattern), public links (a file or a
 * folder, no token), download hrefs, uploads (an upload href, then the file streamed to it in
 * one PUT, so memory stays flat whatever the size), folders made as a path needs them, delete,
 * publish and unpublish. A 401 refreshes the access token once; a refused refresh or a second
 * 401 is `revoked` (the account needs connecting again). A 429 is waited out by its
 * `Retry-After` a few times, then handed to the caller as `rate_limited`.
 */
export class YandexDiskClient {
  private readonly pageSize: number;
  private readonly maxItems: number;
  private readonly rateLimitRetries: number;
  private readonly maxRetryAfterSeconds: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(
    private readonly settings: YandexDiskSettings,
    private readonly http: OutboundHttp,
    options: ClientOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 100;
    this.maxItems = options.maxItems ?? 10_000;
    this.rateLimitRetries = options.rateLimitRetries ?? 3;
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 30;
    this.sleep = options.sleep ?? defaultSleep;
  }

  // ---------------------------------------------------------------- OAuth

  /** Exchanges an authorization code (the OAuth callback's) for tokens. */
  async exchangeCode(code: string, options: { codeVerifier?: string; signal?: AbortSignal } = {}): Promise<YandexTokens & { expiresIn?: number }> {
    const body = await this.token({ grant_type: 'authorization_code', code, ...(options.codeVerifier ? { code_verifier: options.codeVerifier } : {}) }, options.signal);
    return { accessToken: body.access_token, ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}), ...(body.expires_in ? { expiresIn: body.expires_in } : {}) };
  }

  /**
   * Connects an account from the OAuth callback's code: the tokens, and the account's login as
   * the name a credential is known by (one credential per user and login).
   */
  async connect(code: string, options: { codeVerifier?: string; signal?: AbortSignal } = {}): Promise<{ accountName: string; uid: string; tokens: YandexTokens; expiresIn?: number }> {
    const { expiresIn, ...tokens } = await this.exchangeCode(code, options);
    const owner = await this.owner({ tokens }, options.signal);
    return { accountName: owner.login || owner.uid, uid: owner.uid, tokens, ...(expiresIn ? { expiresIn } : {}) };
  }

  private async refresh(account: YandexAccount, signal?: AbortSignal): Promise<void> {
    if (!account.tokens.refreshToken) throw new YandexDiskError('revoked', 'Yandex refused the access token and there is no refresh token; connect the account again');
    const body = await this.token({ grant_type: 'refresh_token', refresh_token: account.tokens.refreshToken }, signal);
    account.tokens = { accessToken: body.access_token, refreshToken: body.refresh_token ?? account.tokens.refreshToken };
    await account.onRefreshed?.(account.tokens);
  }

  private async token(form: Record<string, string>, signal?: AbortSignal): Promise<{ access_token: string; refresh_token?: string; expires_in?: number }> {
    const payload = new URLSearchParams({ ...form, client_id: this.settings.clientId, client_secret: this.settings.clientSecret }).toString();
    const response = await this.send(`${this.settings.oauthBaseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload), accept: 'application/json' },
      body: payload,
      signal,
    });
    const body = (await readJson(response.body)) as { access_token?: string; refresh_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (response.status === 400 && (body.error === 'invalid_grant' || body.error === 'bad_verification_code')) {
      throw new YandexDiskError('revoked', `Yandex OAuth refused the grant (${body.error_description ?? body.error}); connect the account again`, body.error);
    }
    if (response.status >= 200 && response.status < 300 && body.access_token) return body as { access_token: string };
    throw new YandexDiskError(response.status >= 500 ? 'unavailable' : 'rejected', `Yandex OAuth answered ${response.status} ${body.error ?? ''}: ${body.error_description ?? 'the token request failed'}`, body.error ?? '');
  }

  // ---------------------------------------------------------------- reading

  /** The disk's owner: the account name a connected credential is known by. */
  async owner(account: YandexAccount, signal?: AbortSignal): Promise<{ uid: string; login: string; displayName?: string }> {
    const body = (await this.api(account, 'GET', '/', {}, signal)) as { user?: { uid?: string; login?: string; display_name?: string } };
    return { uid: String(body.user?.uid ?? ''), login: String(body.user?.login ?? ''), ...(body.user?.display_name ? { displayName: body.user.display_name } : {}) };
  }

  /** One file or folder (a folder with no items: use `list`). */
  async resource(account: YandexAccount, path: string, signal?: AbortSignal): Promise<DiskResource> {
    return toResource(await this.api(account, 'GET', '/resources', { path: diskPath(path), limit: '0' }, signal));
  }

  /** One page of a folder, folders and files alike (a picker's browse); a path to a file answers that file alone. */
  async browse(account: YandexAccount, folder: string, page: { limit?: number; offset?: number; signal?: AbortSignal } = {}): Promise<{ folder: DiskResource; items: DiskResource[]; total: number }> {
    const limit = Math.min(Math.max(page.limit ?? 100, 1), 1000);
    const offset = Math.max(page.offset ?? 0, 0);
    const body = (await this.api(account, 'GET', '/resources', { path: diskPath(folder), limit: String(limit), offset: String(offset) }, page.signal)) as {
      _embedded?: { items?: unknown[]; total?: number };
    };
    const items = (body._embedded?.items ?? []).map(toResource);
    return { folder: toResource(body), items, total: body._embedded?.total ?? items.length };
  }

  /** The files in a folder (in its sub-folders too when `recursive`) whose names match `pattern`; a path to a file answers that file. */
  list(account: YandexAccount, folder: string, options: ListOptions = {}): Promise<DiskResource[]> {
    return this.walk(diskPath(folder), options, (path, offset) => this.api(account, 'GET', '/resources', { path, limit: String(this.pageSize), offset: String(offset) }, options.signal));
  }

  /** What a public link shares: the file, or the files of the folder (recursive, filtered) with paths from its root. */
  listPublic(publicKey: string, options: ListOptions = {}): Promise<DiskResource[]> {
    return this.walk('/', options, (path, offset) =>
      this.api(undefined, 'GET', '/public/resources', { public_key: publicKey, path, limit: String(this.pageSize), offset: String(offset) }, options.signal),
    );
  }

  /** A link to the file's bytes (short-lived, needs no token; it serves ranges). */
  async downloadHref(account: YandexAccount, path: string, signal?: AbortSignal): Promise<string> {
    return linkHref(await this.api(account, 'GET', '/resources/download', { path: diskPath(path) }, signal));
  }

  /** A link to the bytes of a publicly shared file (`path` inside a shared folder). */
  async publicDownloadHref(publicKey: string, path?: string, signal?: AbortSignal): Promise<string> {
    return linkHref(await this.api(undefined, 'GET', '/public/resources/download', { public_key: publicKey, ...(path && path !== '/' ? { path } : {}) }, signal));
  }

  private async walk(root: string, options: ListOptions, page: (path: string, offset: number) => Promise<unknown>): Promise<DiskResource[]> {
    const pattern = filePattern(options.pattern);
    const files: DiskResource[] = [];
    const folders = [root];
    while (folders.length > 0) {
      const folder = folders.shift()!;
      for (let offset = 0; ; ) {
        options.signal?.throwIfAborted();
        const body = (await page(folder, offset)) as { type?: string; _embedded?: { items?: unknown[]; total?: number } };
        if (body.type === 'file') {
          const file = toResource(body);
          if (!pattern || pattern.test(file.name)) files.push(file);
          break;
        }
        const items = (body._embedded?.items ?? []).map(toResource);
        for (const item of items) {
          if (item.type === 'dir') {
            if (options.recursive) folders.push(item.path);
          } else if (!pattern || pattern.test(item.name)) {
            files.push(item);
            if (files.length > this.maxItems) {
              throw new YandexDiskError('rejected', `The folder holds more than ${this.maxItems} matching files; narrow it down with a sub-folder or a file pattern`);
            }
          }
        }
        offset += items.length;
        if (items.length === 0 || offset >= (body._embedded?.total ?? 0)) break;
      }
    }
    return files;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Uploads a file to `path`: an upload href, then one PUT that streams the body. An existing
   * file is `exists` unless `overwrite`; a missing folder is the caller's to make (`mkdirp`).
   */
  async upload(account: YandexAccount, path: string, body: UploadBody, options: { overwrite?: boolean; signal?: AbortSignal; onBytes?: (sent: number) => void } = {}): Promise<void> {
    const link = (await this.api(account, 'GET', '/resources/upload', { path: diskPath(path), overwrite: String(Boolean(options.overwrite)) }, options.signal)) as { href?: string; method?: string };
    const href = linkHref(link);
    let sent = 0;
    const counted = (await body.open()).pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          sent += chunk.length;
          options.onBytes?.(sent);
          done(null, chunk);
        },
      }),
    );
    const response = await this.send(href, {
      method: link.method || 'PUT',
      headers: { 'content-length': body.size, 'content-type': body.contentType ?? 'application/octet-stream' },
      body: counted,
      signal: options.signal,
    });
    const answer = await readJson(response.body);
    if (response.status === 201 || response.status === 202 || response.status === 200) return;
    throw this.failure(response, answer, `upload of ${path}`);
  }

  /** Makes a folder and every folder above it that is missing. */
  async mkdirp(account: YandexAccount, folder: string, signal?: AbortSignal): Promise<void> {
    const segments = diskPath(folder).replace(/^disk:/, '').split('/').filter(Boolean);
    if (segments.length === 0) return;
    try {
      const found = await this.resource(account, folder, signal);
      if (found.type === 'dir') return;
    } catch (error) {
      if (!(error instanceof YandexDiskError && error.failure === 'not_found')) throw error;
    }
    for (let i = 1; i <= segments.length; i++) {
      const path = `disk:/${segments.slice(0, i).join('/')}`;
      try {
        await this.api(account, 'PUT', '/resources', { path }, signal);
      } catch (error) {
        // Already there (made by us a moment ago, or by someone else): go on.
        if (error instanceof YandexDiskError && error.reason === 'DiskPathPointsToExistentDirectoryError') continue;
        throw error;
      }
    }
  }

  /** Removes a file or folder (to the trash unless `permanently`); answers whether it was there. */
  async remove(account: YandexAccount, path: string, options: { permanently?: boolean; signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.api(account, 'DELETE', '/resources', { path: diskPath(path), permanently: String(Boolean(options.permanently)) }, options.signal);
      return true;
    } catch (error) {
      if (error instanceof YandexDiskError && error.failure === 'not_found') return false;
      throw error;
    }
  }

  /** Publishes a file or folder and answers its public link. */
  async publish(account: YandexAccount, path: string, signal?: AbortSignal): Promise<{ publicUrl: string; publicKey?: string }> {
    await this.api(account, 'PUT', '/resources/publish', { path: diskPath(path) }, signal);
    const published = await this.resource(account, path, signal);
    if (!published.publicUrl) throw new YandexDiskError('unavailable', `Yandex Disk published ${path} but gave no public link`);
    return { publicUrl: published.publicUrl, ...(published.publicKey ? { publicKey: published.publicKey } : {}) };
  }

  async unpublish(account: YandexAccount, path: string, signal?: AbortSignal): Promise<void> {
    await this.api(account, 'PUT', '/resources/unpublish', { path: diskPath(path) }, signal);
  }

  // ---------------------------------------------------------------- transport

  /**
   * One API call: the account's token (refreshed once on a 401), 429s waited out by their
   * `Retry-After`, and Yandex's error body turned into a `YandexDiskError`. No account: a public
   * call, with no token at all.
   */
  private async api(account: YandexAccount | undefined, method: string, path: string, query: Record<string, string>, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.settings.apiBaseUrl}${path === '/' ? '/' : path}${Object.keys(query).length ? `?${new URLSearchParams(query)}` : ''}`;
    let refreshed = false;
    let waits = 0;
    for (;;) {
      const response = await this.send(url, {
        method,
        headers: { accept: 'application/json', ...(account ? { authorization: `OAuth ${account.tokens.accessToken}` } : {}) },
        signal,
      });
      const body = await readJson(response.body);
      if (response.status >= 200 && response.status < 300) return body;
      if (response.status === 401 && account) {
        if (refreshed) throw new YandexDiskError('revoked', 'Yandex Disk refused a fresh access token; connect the account again', errorName(body));
        await this.refresh(account, signal);
        refreshed = true;
        continue;
      }
      if (response.status === 429) {
        const retryAfter = retryAfterSeconds(response.headers['retry-after']);
        if (waits < this.rateLimitRetries && retryAfter <= this.maxRetryAfterSeconds) {
          waits += 1;
          await this.sleep(retryAfter * 1000, signal);
          continue;
        }
        throw new YandexDiskError('rate_limited', `Yandex Disk: too many requests (retry after ${retryAfter} s)`, errorName(body), { retryAfterSeconds: retryAfter });
      }
      throw this.failure(response, body, `${method} ${path}`);
    }
  }

  private async send(url: string, init: { method: string; headers: Record<string, string | number>; body?: string | Readable; signal?: AbortSignal }): Promise<OutboundResponse> {
    try {
      // Yandex's download hrefs redirect to the node holding the file; each hop is checked by the guard.
      return await this.http.request(url, { method: init.method, headers: init.headers, body: init.body, signal: init.signal, maxRedirects: init.body === undefined ? 5 : 0 });
    } catch (error) {
      if (init.signal?.aborted || error instanceof LeapError) throw error;
      throw new YandexDiskError('unavailable', `Yandex Disk could not be reached: ${(error as Error)?.message ?? String(error)}`, '', { cause: error });
    }
  }

  private failure(response: OutboundResponse, body: unknown, what: string): YandexDiskError {
    const reason = errorName(body);
    const text = (body as { description?: string; message?: string } | undefined)?.description ?? (body as { message?: string } | undefined)?.message ?? '';
    const message = `Yandex Disk answered ${response.status} to the ${what}${[reason, text].filter(Boolean).length ? `: ${[reason, text].filter(Boolean).join(' ')}` : ''}`;
    return new YandexDiskError(failureOf(response.status, reason), message, reason, retryAfterOf(response));
  }
}
