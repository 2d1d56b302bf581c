import { LeapError } from '@leap/errors';
import { isYandexDiskError, type YandexAccount } from '@leap/yandex-disk';
import { hintsOf, type OauthTokenData } from '../../credentials/source-credential-schema';
import type { SourceCredentialVault } from '../../credentials/source-credential-vault';
import type { SourceCredentialRow, SourceCredentialsRepository } from '../../credentials/source-credentials.repository';

/**
 * A user's Yandex Disk credential as the client uses it: its tokens opened from the vault, the
 * ones a refresh gives sealed back at once (a refresh token may be single-use), and a refusal
 * (`YANDEX_DISK.NEEDS_REAUTH`) marking the credential `needs_reauth` for its owner to see.
 */
export class YandexDiskAccounts {
  constructor(
    private readonly credentials: SourceCredentialsRepository,
    private readonly vault: SourceCredentialVault,
  ) {}

  /** The user's `yandex_disk` credential; anything else (another user's, another platform's) is CREDENTIAL.NOT_FOUND. */
  async credential(userId: string, credentialId: string): Promise<SourceCredentialRow> {
    const row = await this.credentials.find(undefined, userId, credentialId);
    if (!row || row.platform !== 'yandex_disk') throw new LeapError('CREDENTIAL.NOT_FOUND', `No Yandex Disk credential ${credentialId}`, { retryable: false, status: 404 });
    return row;
  }

  account(credential: SourceCredentialRow): YandexAccount {
    const data = this.vault.open<OauthTokenData>(credential.id, credential.sealedData);
    return {
      tokens: { accessToken: data.accessToken, ...(data.refreshToken ? { refreshToken: data.refreshToken } : {}) },
      onRefreshed: async (tokens) => {
        const next: OauthTokenData = { ...data, accessToken: tokens.accessToken, ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}) };
        delete next.expiresAt;
        await this.credentials.saveRefreshed(credential.id, this.vault.seal(credential.id, next), hintsOf(next));
      },
    };
  }

  /** Runs `work` with the credential's account; a refusal marks the credential before it is thrown on. */
  async use<T>(credential: SourceCredentialRow, work: (account: YandexAccount) => Promise<T>): Promise<T> {
    try {
      const result = await work(this.account(credential));
      await this.credentials.touch(credential.id);
      return result;
    } catch (error) {
      if (isYandexDiskError(error, 'revoked')) await this.credentials.markNeedsReauth(credential.id);
      throw error;
    }
  }
}
