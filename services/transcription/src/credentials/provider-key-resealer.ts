import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'winston';
import { SERVICE_LOGGER } from '@leap/platform';
import { rotateAll, type SealedValue } from '@leap/secrets';
import { atRestContext, PROVIDER_KEY_VAULT, type ProviderKeyVault } from './provider-key-vault';
import { ProviderCredentialsRepository } from './provider-credentials.repository';

const PAGE = 200;

/**
 * At start, before any transcription runs: every tenant key sealed with another key than the first
 * of TRANSCRIPTION_CREDENTIALS_KEYRING is sealed again with it. This completes a key rotation (put
 * the new key first, keep the old one until a start has run, then drop it).
 */
@Injectable()
export class ProviderKeyResealer implements OnModuleInit {
  constructor(
    private readonly repository: ProviderCredentialsRepository,
    @Inject(PROVIDER_KEY_VAULT) private readonly vault: ProviderKeyVault,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    const keyring = this.vault.atRestKeyring;
    if (!keyring) return;
    let after: { userId: string; provider: string } | null = null;
    const report = await rotateAll(keyring, async (): Promise<SealedValue[]> => {
      const page = await this.repository.sealedPage(after, PAGE);
      if (page.length > 0) after = page[page.length - 1]!;
      return page.map((row) => ({
        value: row.sealedApiKey,
        context: atRestContext(row.userId, row.provider),
        write: (next) => this.repository.replaceSealed(row.userId, row.provider, row.sealedApiKey, next),
      }));
    });
    if (report.rotated) this.logger.info('Tenant provider keys sealed with the active key', { resealed: report.rotated, keyId: keyring.activeKeyId });
    for (const failure of report.failed) {
      // The context names the user and provider, never the key.
      this.logger.error('A tenant provider key does not open with TRANSCRIPTION_CREDENTIALS_KEYRING; the server providers serve its tenant', failure);
    }
  }
}
