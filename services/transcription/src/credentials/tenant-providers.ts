import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'winston';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { SecretsError } from '@leap/secrets';
import type { TranscriptionConfig } from '../config/config.schema';
import { createCloudProvider, PROVIDER_FETCH, serverProviderSettings } from '../providers/provider-factory';
import type { Fetch } from '../providers/provider-http';
import { TRANSCRIPTION_PROVIDERS, type TranscriptionProvider } from '../recognition/transcription-provider';
import { PROVIDER_KEY_VAULT, type ProviderKeyVault, type TenantKeyProvider } from './provider-key-vault';
import { ProviderCredentialsRepository } from './provider-credentials.repository';

/**
 * The providers one user's recording is transcribed with. A provider the user has a key for is
 * asked with that key (and model) instead of the server's; the user's providers come first, in
 * the order of TRANSCRIPTION_PROVIDERS when it names them, and the server's others follow for
 * failover. Without keys of their own: the server's providers as they are.
 */
@Injectable()
export class TenantProviders {
  constructor(
    private readonly repository: ProviderCredentialsRepository,
    @Inject(PROVIDER_KEY_VAULT) private readonly vault: ProviderKeyVault,
    @Inject(TRANSCRIPTION_PROVIDERS) private readonly server: TranscriptionProvider[],
    @Inject(SERVICE_CONFIG) private readonly config: TranscriptionConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(PROVIDER_FETCH) private readonly fetchFn: Fetch,
  ) {}

  async forUser(userId: string): Promise<TranscriptionProvider[]> {
    if (!this.vault.configured) return this.server;
    const rows = await this.repository.list(userId);
    if (rows.length === 0) return this.server;
    const order = (name: string) => {
      const at = (this.config.TRANSCRIPTION_PROVIDERS as readonly string[]).indexOf(name);
      return at === -1 ? Number.MAX_SAFE_INTEGER : at;
    };
    const own: TranscriptionProvider[] = [];
    for (const row of [...rows].sort((a, b) => order(a.provider) - order(b.provider) || a.provider.localeCompare(b.provider))) {
      let apiKey: string;
      try {
        apiKey = this.vault.open(userId, row.provider, row.sealedApiKey);
      } catch (error) {
        if (!(error instanceof SecretsError)) throw error;
        // Its key is gone from TRANSCRIPTION_CREDENTIALS_KEYRING: the server's providers serve this user.
        this.logger.error('A tenant provider key does not open; the server providers are used', { userId, provider: row.provider, code: error.code });
        continue;
      }
      const settings = serverProviderSettings(this.config);
      const name = row.provider as TenantKeyProvider;
      if (name === 'openai') settings.openai = { ...settings.openai, apiKey, model: row.model ?? settings.openai.model };
      else settings.assemblyai = { ...settings.assemblyai, apiKey };
      own.push(createCloudProvider(name, this.config, settings, this.fetchFn));
    }
    const mine = new Set(own.map((p) => p.name));
    return [...own, ...this.server.filter((p) => !mine.has(p.name))];
  }
}
