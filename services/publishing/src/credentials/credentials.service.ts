import { Inject, Injectable } from '@nestjs/common';
import type {
  ConnectAccount,
  ConnectAccountResult,
  CreateCredential,
  CreateCredentialResult,
  CredentialDeleted,
  CredentialFound,
  CredentialUpdated,
  CredentialsPage,
  DeleteCredential,
  GetCredential,
  ListCredentials,
  PlatformCredential,
  UpdateCredential,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import { maskSecret } from '@leap/secrets';
import { isYandexDiskError, type YandexDiskClient } from '@leap/yandex-disk';
import type { PublishingConfig } from '../config/config.schema';
import { CREDENTIAL_VAULT, type CredentialVault, type PlatformTokens } from './credential-vault';
import { YOUTUBE_CLIENT } from '../platforms/youtube/youtube.publisher';
import type { YoutubeClient } from '../platforms/youtube/youtube.client';
import { VK_CLIENT } from '../platforms/vk/vk.publisher';
import type { VkClient } from '../platforms/vk/vk.client';
import { YANDEX_DISK_CLIENT } from '../platforms/yandex-disk/yandex-disk.publisher';
import { CredentialsRepository, type CredentialRow, type Transaction } from './credentials.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const CREDENTIAL_PLATFORMS = ['youtube', 'vk_video', 'yandex_disk'] as const;

/** A credential as the bus carries it: never its tokens. */
export function credentialView(row: CredentialRow, hints?: Record<string, string>): PlatformCredential {
  return {
    ...(hints ? { hints } : {}),
    id: row.id,
    userId: row.userId,
    platform: row.platform,
    accountName: row.accountName,
    needsReauth: row.needsReauth,
    isActive: row.isActive,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    ...(row.lastUsedAt ? { lastUsedAt: new Date(row.lastUsedAt).toISOString() } : {}),
  };
}

/** Platform credentials from tokens obtained elsewhere: sealed at rest, one per user, platform and account name. */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly credentials: CredentialsRepository,
    @Inject(CREDENTIAL_VAULT) private readonly vault: CredentialVault,
    @Inject(YOUTUBE_CLIENT) private readonly youtube: YoutubeClient,
    @Inject(VK_CLIENT) private readonly vk: VkClient,
    @Inject(YANDEX_DISK_CLIENT) private readonly yandex: YandexDiskClient,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<PublishingConfig, 'YANDEX_CLIENT_ID' | 'YANDEX_CLIENT_SECRET'>,
  ) {}

  async create(tx: Transaction, q: CreateCredential): Promise<CreateCredentialResult> {
    if (!(CREDENTIAL_PLATFORMS as readonly string[]).includes(q.platform)) {
      throw new LeapError('CREDENTIAL.INVALID', `platform: publishing keeps credentials of ${CREDENTIAL_PLATFORMS.join(', ')}`, { retryable: false, status: 422 });
    }
    const accountName = q.accountName.trim();
    if (!accountName || accountName.length > 200) throw new LeapError('CREDENTIAL.INVALID', 'accountName: must be 1 to 200 characters', { retryable: false, status: 422 });
    return this.store(tx, q.userId, q.platform, accountName, this.vault.openTransit(q.userId, q.sealedTokens));
  }

  /**
   * An account connected through OAuth: the code (and PKCE verifier) exchanged at the platform's
   * token endpoint, the account named by the platform (the Google email, the VK user id, the Yandex
   * login), and the
   * tokens stored as `create` stores them.
   */
  async connect(tx: Transaction, q: ConnectAccount): Promise<ConnectAccountResult> {
    const grant = this.vault.openGrant(q.userId, q.sealedGrant);
    if (q.platform === 'youtube') {
      const { tokens, email } = await this.youtube.exchangeCode(grant.code, q.redirectUri);
      return this.store(tx, q.userId, 'youtube', email, tokens);
    }
    if (q.platform === 'vk_video') {
      if (!grant.codeVerifier || !grant.deviceId) throw new LeapError('OAUTH.EXCHANGE_FAILED', 'A VK ID grant needs its code verifier and device id', { retryable: false, status: 422 });
      const { tokens, userId } = await this.vk.exchangeCode({ code: grant.code, codeVerifier: grant.codeVerifier, deviceId: grant.deviceId, redirectUri: q.redirectUri });
      return this.store(tx, q.userId, 'vk_video', userId, tokens);
    }
    if (q.platform === 'yandex_disk') {
      const { accountName, tokens } = await this.connectYandex(grant.code, grant.codeVerifier);
      return this.store(tx, q.userId, 'yandex_disk', accountName, tokens);
    }
    throw new LeapError('OAUTH.PLATFORM_UNKNOWN', `publishing connects youtube, vk_video and yandex_disk accounts, not ${q.platform}`, { retryable: false, status: 404 });
  }

  /** A Yandex Disk output account: the code exchanged with YANDEX_CLIENT_ID/SECRET at `/token`, named by the disk owner's login. */
  private async connectYandex(code: string, codeVerifier?: string): Promise<{ accountName: string; tokens: PlatformTokens }> {
    if (!this.config.YANDEX_CLIENT_ID || !this.config.YANDEX_CLIENT_SECRET) {
      throw new LeapError('OAUTH.NOT_CONFIGURED', 'Connecting Yandex Disk accounts is not configured on this server (YANDEX_CLIENT_ID and YANDEX_CLIENT_SECRET of publishing)', { retryable: false, status: 503 });
    }
    try {
      const connected = await this.yandex.connect(code, codeVerifier ? { codeVerifier } : {});
      return { accountName: connected.accountName, tokens: { accessToken: connected.tokens.accessToken, ...(connected.tokens.refreshToken ? { refreshToken: connected.tokens.refreshToken } : {}) } };
    } catch (error) {
      if (isYandexDiskError(error, 'rejected') || isYandexDiskError(error, 'revoked')) {
        throw new LeapError('OAUTH.EXCHANGE_FAILED', `Yandex refused the authorization: ${error.message}`, { retryable: false, status: 422 });
      }
      throw error;
    }
  }

  /** Upserts by (user, platform, account name): the same account again gets the new tokens and `needs_reauth` cleared. */
  private async store(tx: Transaction, userId: string, platform: string, accountName: string, tokens: PlatformTokens): Promise<CreateCredentialResult> {
    const existing = await this.credentials.findByAccount(tx, userId, platform, accountName);
    if (existing) {
      const row = await this.credentials.replaceTokens(tx, existing.id, this.vault.seal(existing.id, tokens), { reconnected: true });
      return { credential: this.view(row!), created: false };
    }
    const id = this.credentials.newId();
    const row = await this.credentials.insert(tx, { id, userId, platform, accountName, sealedTokens: this.vault.seal(id, tokens) });
    return { credential: this.view(row), created: true };
  }

  async list(q: ListCredentials): Promise<CredentialsPage> {
    const rows = await this.credentials.list(q.userId);
    return { credentials: rows.map((row) => this.view(row)) };
  }

  async get(tx: Transaction, q: GetCredential): Promise<CredentialFound> {
    return { credential: this.view(await this.owned(tx, q.userId, q.credentialId)) };
  }

  async update(tx: Transaction, q: UpdateCredential): Promise<CredentialUpdated> {
    let row = await this.owned(tx, q.userId, q.credentialId);
    const accountName = q.accountName?.trim();
    if (q.accountName && (!accountName || accountName.length > 200)) throw new LeapError('CREDENTIAL.INVALID', 'accountName: must be 1 to 200 characters', { retryable: false, status: 422 });
    if (accountName && accountName !== row.accountName) {
      const other = await this.credentials.findByAccount(tx, q.userId, row.platform, accountName);
      if (other) throw new LeapError('CREDENTIAL.DUPLICATE', `A ${row.platform} credential for ${accountName} already exists`, { retryable: false, status: 409 });
    }
    if (q.sealedTokens) row = (await this.credentials.replaceTokens(tx, row.id, this.vault.seal(row.id, this.vault.openTransit(q.userId, q.sealedTokens)), { reconnected: true }))!;
    if (accountName || q.isActive) row = (await this.credentials.update(tx, row.id, { accountName: accountName || undefined, isActive: q.isActive ? q.isActive === 'true' : undefined }))!;
    return { credential: this.view(row) };
  }

  async delete(tx: Transaction, q: DeleteCredential): Promise<CredentialDeleted> {
    return { deleted: await this.credentials.delete(tx, q.userId, q.credentialId) };
  }

  private async owned(tx: Transaction, userId: string, id: string): Promise<CredentialRow> {
    const row = UUID.test(id) ? await this.credentials.find(tx, userId, id) : null;
    if (!row) throw new LeapError('CREDENTIAL.NOT_FOUND', `No credential ${id}`, { retryable: false, status: 404 });
    return row;
  }

  /** The answer's view: masked hints of the tokens (none when they no longer open). */
  private view(row: CredentialRow): PlatformCredential {
    let hints: Record<string, string> = {};
    try {
      const tokens = this.vault.open(row.id, row.sealedTokens);
      hints = Object.fromEntries(Object.entries(tokens).filter(([, v]) => typeof v === 'string').map(([k, v]) => [k, maskSecret(v as string)]));
    } catch {
      // A key that is gone or a damaged value: the credential is listed without hints.
    }
    return credentialView(row, hints);
  }
}
