import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'winston';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { SecretsError } from '@leap/secrets';
import type { TranscriptionConfig, TranscriptionProviderName } from '../config/config.schema';
import { createCloudProvider, createTranscriptionProviders, PROVIDER_FETCH, serverProviderSettings } from '../providers/provider-factory';
import type { Fetch } from '../providers/provider-http';
import { PROCESS_RUNNER, type ProcessRunner } from '../recognition/process-runner';
import { TRANSCRIPTION_PROVIDERS, type TranscriptionProvider } from '../recognition/transcription-provider';
import { isTenantSpeechProvider, PROVIDER_KEY_VAULT, type ProviderKeyVault } from './provider-key-vault';
import { ProviderCredentialsRepository } from './provider-credentials.repository';

/**
 * The providers one user's recording is transcribed with. A provider the user has a key for is
 * asked with that key (and model) instead of the server's; the user's providers come first, in
 * the order of TRANSCRIPTION_PROVIDERS when it names them, and the server's others follow for
 * failover. Without keys of their own: the server's providers as they are.
 *
 * A template's provider list (`transcription.providers`) replaces that order for its recordings:
 * exactly the providers it names, in its order, each with the user's key when they have one and
 * the server's otherwise (a provider TRANSCRIPTION_PROVIDERS leaves out still serves when the
 * server has its key; `offline` always can). A named provider nobody has a key for is left out;
 * none left is `TRANSCRIPTION.PROVIDER_UNAVAILABLE`.
 */
/** A provider as TRANSCRIPTION_PROVIDERS and templates name it: the offline recogniser writes itself `pocketsphinx` into transcripts. */
const settingName = (provider: TranscriptionProvider): string => (provider.name === 'pocketsphinx' ? 'offline' : provider.name);

@Injectable()
export class TenantProviders {
  constructor(
    private readonly repository: ProviderCredentialsRepository,
    @Inject(PROVIDER_KEY_VAULT) private readonly vault: ProviderKeyVault,
    @Inject(TRANSCRIPTION_PROVIDERS) private readonly server: TranscriptionProvider[],
    @Inject(SERVICE_CONFIG) private readonly config: TranscriptionConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(PROVIDER_FETCH) private readonly fetchFn: Fetch,
    @Inject(PROCESS_RUNNER) private readonly runner: ProcessRunner,
  ) {}

  async forUser(userId: string, names: readonly string[] = []): Promise<TranscriptionProvider[]> {
    const own = await this.own(userId);
    const mine = new Set(own.map((p) => p.name));
    const all = [...own, ...this.server.filter((p) => !mine.has(p.name))];
    if (names.length === 0) return all;
    const chosen: TranscriptionProvider[] = [];
    for (const name of new Set(names)) {
      const provider = all.find((p) => settingName(p) === name) ?? this.serverOnly(name);
      if (provider) chosen.push(provider);
      else this.logger.warn(`The template names the ${name} provider, which has no key here; it is left out`, { userId, provider: name });
    }
    if (chosen.length === 0) {
      throw new LeapError('TRANSCRIPTION.PROVIDER_UNAVAILABLE', `None of the template's providers (${names.join(', ')}) has a key on this server or of yours`, {
        retryable: false,
        status: 422,
        details: { providers: [...names] },
      });
    }
    return chosen;
  }

  /** The providers the user has keys for, in TRANSCRIPTION_PROVIDERS order (then by name). */
  private async own(userId: string): Promise<TranscriptionProvider[]> {
    if (!this.vault.configured) return [];
    const rows = (await this.repository.list(userId)).filter((r) => isTenantSpeechProvider(r.provider));
    const order = (name: string) => {
      const at = (this.config.TRANSCRIPTION_PROVIDERS as readonly string[]).indexOf(name);
      return at === -1 ? Number.MAX_SAFE_INTEGER : at;
    };
    const own: TranscriptionProvider[] = [];
    for (const row of rows.sort((a, b) => order(a.provider) - order(b.provider) || a.provider.localeCompare(b.provider))) {
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
      if (row.provider === 'openai') settings.openai = { ...settings.openai, apiKey, model: row.model ?? settings.openai.model };
      else settings.assemblyai = { ...settings.assemblyai, apiKey };
      own.push(createCloudProvider(row.provider as 'openai' | 'assemblyai', this.config, settings, this.fetchFn));
    }
    return own;
  }

  /** A provider TRANSCRIPTION_PROVIDERS leaves out, with the server's settings, when it can run (its key is set). */
  private serverOnly(name: string): TranscriptionProvider | undefined {
    try {
      return createTranscriptionProviders({ ...this.config, TRANSCRIPTION_PROVIDERS: [name as TranscriptionProviderName] }, this.runner, serverProviderSettings(this.config), this.fetchFn)[0];
    } catch (error) {
      if (error instanceof LeapError && error.code === 'TRANSCRIPTION.PROVIDER_UNAVAILABLE') return undefined;
      throw error;
    }
  }
}
