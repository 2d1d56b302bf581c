import { LeapError } from '@leap/errors';
import type { TranscriptionConfig, TranscriptionProviderName } from '../config/config.schema';
import { FfmpegAudioConverter } from '../recognition/audio-converter';
import { PocketsphinxProvider } from '../recognition/pocketsphinx.provider';
import type { ProcessRunner } from '../recognition/process-runner';
import type { TranscriptionProvider } from '../recognition/transcription-provider';
import { AssemblyAiProvider } from './assemblyai.provider';
import { OpenAiCompatibleProvider } from './openai-compatible.provider';
import type { Fetch } from './provider-http';

/** The `fetch` the cloud providers call their APIs with (replaced in tests that count requests). */
export const PROVIDER_FETCH = Symbol('transcription:provider-fetch');

/**
 * Where a provider's key and endpoint come from: the server settings, or a tenant's own key in
 * their place (`TenantProviders`).
 */
export interface ProviderSettings {
  openai: { baseUrl: string; apiKey?: string; model: string };
  assemblyai: { baseUrl: string; apiKey?: string; pollIntervalMs: number };
}

export function serverProviderSettings(config: TranscriptionConfig): ProviderSettings {
  return {
    openai: { baseUrl: config.OPENAI_TRANSCRIPTION_BASE_URL, apiKey: config.OPENAI_TRANSCRIPTION_API_KEY, model: config.OPENAI_TRANSCRIPTION_MODEL },
    assemblyai: { baseUrl: config.ASSEMBLYAI_BASE_URL, apiKey: config.ASSEMBLYAI_API_KEY, pollIntervalMs: config.ASSEMBLYAI_POLL_INTERVAL },
  };
}

/**
 * The providers TRANSCRIPTION_PROVIDERS names, in its (failover) order. A cloud provider without
 * its key stops the start with `TRANSCRIPTION.PROVIDER_UNAVAILABLE` naming the key to set
 * (a self-hosted OpenAI-compatible server may need none: set the key to any value then).
 */
export function createTranscriptionProviders(
  config: TranscriptionConfig,
  runner: ProcessRunner,
  settings: ProviderSettings = serverProviderSettings(config),
  fetchFn: Fetch = globalThis.fetch,
): TranscriptionProvider[] {
  const names = (config.TRANSCRIPTION_PROVIDERS.length > 0 ? config.TRANSCRIPTION_PROVIDERS : ['offline']) as TranscriptionProviderName[];
  const missing = (key: string, name: string) =>
    new LeapError('TRANSCRIPTION.PROVIDER_UNAVAILABLE', `TRANSCRIPTION_PROVIDERS lists ${name}, but ${key} is not set`, { retryable: false });
  return [...new Set(names)].map((name): TranscriptionProvider => {
    switch (name) {
      case 'openai':
        if (!settings.openai.apiKey) throw missing('OPENAI_TRANSCRIPTION_API_KEY', name);
        return createCloudProvider(name, config, settings, fetchFn);
      case 'assemblyai':
        if (!settings.assemblyai.apiKey) throw missing('ASSEMBLYAI_API_KEY', name);
        return createCloudProvider(name, config, settings, fetchFn);
      case 'offline':
        return new PocketsphinxProvider(runner, new FfmpegAudioConverter(config.FFMPEG_PATH), {
          binary: config.POCKETSPHINX_PATH,
          modelDir: config.POCKETSPHINX_MODEL_DIR,
          timeoutMs: config.TRANSCRIPTION_TIMEOUT,
          lineBuffered: true,
        });
    }
  });
}

/** A cloud provider with the key and endpoint of `settings` (the server's, or a tenant's key in their place). */
export function createCloudProvider(
  name: 'openai' | 'assemblyai',
  config: TranscriptionConfig,
  settings: ProviderSettings,
  fetchFn: Fetch = globalThis.fetch,
): TranscriptionProvider {
  if (name === 'openai') return new OpenAiCompatibleProvider({ ...settings.openai, timeoutMs: config.TRANSCRIPTION_REQUEST_TIMEOUT, fetch: fetchFn });
  return new AssemblyAiProvider({ ...settings.assemblyai, timeoutMs: config.TRANSCRIPTION_REQUEST_TIMEOUT, pollTimeoutMs: 3_600_000, fetch: fetchFn });
}
