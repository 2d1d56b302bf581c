import { LeapError } from '@leap/errors';
import type { OauthTokenData, ZoomServerToServerData } from '../../credentials/source-credential-schema';
import { hintsOf } from '../../credentials/source-credential-schema';
import type { SourceCredentialVault } from '../../credentials/source-credential-vault';
import type { SourceCredentialRow, SourceCredentialsRepository } from '../../credentials/source-credentials.repository';

/** A token is renewed this long before Zoom says it expires. */
const REFRESH_MARGIN_MS = 60_000;
/** The longest Retry-After a call waits out before it gives up (the job retries later). */
const MAX_RETRY_AFTER_MS = 30_000;

export interface ZoomSettings {
  apiBaseUrl: string;
  oauthBaseUrl: string;
  /** The user-OAuth app (`ZOOM_CLIENT_ID`/`ZOOM_CLIENT_SECRET`): connected accounts are exchanged and refreshed with it. */
  clientId?: string;
  clientSecret?: string;
}

/** Tokens from a user-OAuth code exchange, with the account they belong to. */
export interface ZoomConnected {
  tokens: { accessToken: string; refreshToken?: string; expiresAt: string };
  /** The account's e-mail (its stable name), and what Zoom shows for it. */
  email: string;
  displayName: string;
}

/**
 * Zoom's REST API for one credential: a Server-to-Server app's token (`account_credentials`
 * grant) cached until a minute before it expires, or user OAuth tokens refreshed on a 401 and
 * saved back sealed. A refused credential is marked `needs_reauth`.
 */
export class ZoomClient {
  private readonly cache = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly settings: ZoomSettings,
    private readonly credentials: SourceCredentialsRepository,
    private readonly vault: SourceCredentialVault,
    private readonly now: () => number = Date.now,
  ) {}

  /** A live access token for the credential. */
  async accessToken(credential: SourceCredentialRow, options: { renew?: boolean } = {}): Promise<string> {
    const cached = this.cache.get(credential.id);
    if (cached && !options.renew && cached.expiresAt - REFRESH_MARGIN_MS > this.now()) return cached.token;
    const data = this.vault.open<ZoomServerToServerData & OauthTokenData>(credential.id, credential.sealedData);
    if (credential.kind === 'server_to_server') {
      const answer = await this.tokenRequest(data.clientId, data.clientSecret, { grant_type: 'account_credentials', account_id: data.accountId });
      if (!answer) return this.refused(credential);
      this.cache.set(credential.id, { token: answer.access_token, expiresAt: this.now() + answer.expires_in * 1000 });
      return answer.access_token;
    }
    const expiresAt = data.expiresAt ? Date.parse(data.expiresAt) : Number.POSITIVE_INFINITY;
    if (!options.renew && expiresAt - REFRESH_MARGIN_MS > this.now()) {
      this.cache.set(credential.id, { token: data.accessToken, expiresAt });
      return data.accessToken;
    }
    // Tokens pasted with their app's id and secret refresh with those; a connected account's with ZOOM_CLIENT_ID/SECRET.
    const clientId = data.clientId ?? this.settings.clientId;
    const clientSecret = data.clientId ? data.clientSecret : this.settings.clientSecret;
    if (!data.refreshToken || !clientId || !clientSecret) return this.refused(credential);
    const answer = await this.tokenRequest(clientId, clientSecret, { grant_type: 'refresh_token', refresh_token: data.refreshToken });
    if (!answer) return this.refused(credential);
    const next: OauthTokenData = {
      ...data,
      accessToken: answer.access_token,
      ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}),
      expiresAt: new Date(this.now() + answer.expires_in * 1000).toISOString(),
    };
    await this.credentials.saveRefreshed(credential.id, this.vault.seal(credential.id, next), hintsOf(next));
    this.cache.set(credential.id, { token: next.accessToken, expiresAt: Date.parse(next.expiresAt!) });
    return next.accessToken;
  }

  /** `GET {api}{path}` as JSON; a 401 renews the token once; a 429 waits out its Retry-After (a few times). */
  async get<T>(credential: SourceCredentialRow, path: string, signal?: AbortSignal): Promise<{ status: number; body: T }> {
    let renew = false;
    for (let limited = 0; ; ) {
      const token = await this.accessToken(credential, { renew });
      const response = await fetch(`${this.settings.apiBaseUrl}${path}`, { headers: { authorization: `Bearer ${token}` }, signal });
      if (response.status === 401) {
        if (renew) return this.refused(credential);
        renew = true;
        continue;
      }
      renew = false;
      if (response.status === 429) {
        limited += 1;
        if (limited > 3) throw new LeapError('INGEST.ZOOM_RATE_LIMITED', 'Zoom keeps answering 429', { retryable: true });
        await sleep(Math.min(Number(response.headers.get('retry-after') ?? 1) * 1000 || 1000, MAX_RETRY_AFTER_MS), signal);
        continue;
      }
      if (response.status >= 500) throw new LeapError('INGEST.ZOOM_UNAVAILABLE', `Zoom answered ${response.status}`, { retryable: true });
      return { status: response.status, body: (await response.json()) as T };
    }
  }

  /** Whether accounts can be connected: the user-OAuth app's id and secret are set. */
  get canConnect(): boolean {
    return Boolean(this.settings.clientId && this.settings.clientSecret);
  }

  /**
   * A user-OAuth authorization code exchanged with the app's id and secret (HTTP Basic), then
   * `GET /users/me` with the new token for the account's e-mail and name. A refused code is 422
   * `OAUTH.EXCHANGE_FAILED`; Zoom failing is retryable `INGEST.ZOOM_UNAVAILABLE`.
   */
  async exchangeCode(code: string, redirectUri: string, signal?: AbortSignal): Promise<ZoomConnected> {
    if (!this.canConnect) throw new LeapError('OAUTH.NOT_CONFIGURED', 'Connecting Zoom accounts is not configured on this server (ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET of ingest)', { retryable: false, status: 503 });
    const answer = await this.tokenRequest(this.settings.clientId!, this.settings.clientSecret!, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    if (!answer) throw new LeapError('OAUTH.EXCHANGE_FAILED', 'Zoom refused the authorization code (it expired, was used, or was issued to another app)', { retryable: false, status: 422 });
    const response = await fetch(`${this.settings.apiBaseUrl}/users/me`, { headers: { authorization: `Bearer ${answer.access_token}` }, signal });
    if (response.status >= 500) throw new LeapError('INGEST.ZOOM_UNAVAILABLE', `Zoom answered ${response.status}`, { retryable: true });
    const me = (await response.json().catch(() => ({}))) as { id?: string; email?: string; display_name?: string; first_name?: string; last_name?: string };
    if (!response.ok || !(me.email || me.id)) throw new LeapError('OAUTH.EXCHANGE_FAILED', `Zoom did not say whose account it is (users/me answered ${response.status})`, { retryable: false, status: 422 });
    const email = me.email || me.id!;
    return {
      tokens: {
        accessToken: answer.access_token,
        ...(answer.refresh_token ? { refreshToken: answer.refresh_token } : {}),
        expiresAt: new Date(this.now() + answer.expires_in * 1000).toISOString(),
      },
      email,
      displayName: me.display_name || [me.first_name, me.last_name].filter(Boolean).join(' ') || email,
    };
  }

  private async tokenRequest(clientId: string, clientSecret: string, form: Record<string, string>): Promise<{ access_token: string; refresh_token?: string; expires_in: number } | null> {
    const response = await fetch(`${this.settings.oauthBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    if (response.status === 400 || response.status === 401) return null;
    if (!response.ok) throw new LeapError('INGEST.ZOOM_UNAVAILABLE', `Zoom's token endpoint answered ${response.status}`, { retryable: true });
    return (await response.json()) as { access_token: string; refresh_token?: string; expires_in: number };
  }

  private async refused(credential: SourceCredentialRow): Promise<never> {
    this.cache.delete(credential.id);
    await this.credentials.markNeedsReauth(credential.id);
    throw new LeapError('CREDENTIAL.REVOKED', `Zoom refused credential ${credential.id}: replace it or connect the account again`, { retryable: false, status: 422 });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
