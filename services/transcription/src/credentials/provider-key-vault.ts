import { LeapError } from '@leap/errors';
import { parseKeyring, type Keyring } from '@leap/secrets';

/** Speech providers a tenant may bring a key for. */
export const TENANT_SPEECH_PROVIDERS = ['openai', 'assemblyai'] as const;
export type TenantSpeechProvider = (typeof TENANT_SPEECH_PROVIDERS)[number];

/** The chat model (topics, subtitle translation), as a tenant key's provider. */
export const TENANT_CHAT_PROVIDER = 'llm';

/** Every provider a tenant may bring a key for. */
export const TENANT_KEY_PROVIDERS = [...TENANT_SPEECH_PROVIDERS, TENANT_CHAT_PROVIDER] as const;
export type TenantKeyProvider = (typeof TENANT_KEY_PROVIDERS)[number];

export const isTenantSpeechProvider = (value: string): value is TenantSpeechProvider => (TENANT_SPEECH_PROVIDERS as readonly string[]).includes(value);

export const isTenantKeyProvider = (value: string): value is TenantKeyProvider => (TENANT_KEY_PROVIDERS as readonly string[]).includes(value);

/** The context a key is sealed with at rest: a sealed key copied to another user or provider does not open. */
export const atRestContext = (userId: string, provider: string) => `transcription-key:${userId}:${provider}`;

/** The context the gateway seals a key with on its way here. */
export const transitContext = (userId: string, provider: string) => `transcription-key-transit:${userId}:${provider}`;

/**
 * Seals and opens tenants' provider keys: at rest with `TRANSCRIPTION_CREDENTIALS_KEYRING`, and in
 * transit from the gateway with `CREDENTIALS_TRANSIT_KEYRING`. A key is never logged, answered or
 * put on the bus in clear.
 */
export class ProviderKeyVault {
  private readonly atRest?: Keyring;
  private readonly transit?: Keyring;

  constructor(settings: { TRANSCRIPTION_CREDENTIALS_KEYRING?: string; CREDENTIALS_TRANSIT_KEYRING?: string }) {
    this.atRest = settings.TRANSCRIPTION_CREDENTIALS_KEYRING ? parseKeyring(settings.TRANSCRIPTION_CREDENTIALS_KEYRING) : undefined;
    this.transit = settings.CREDENTIALS_TRANSIT_KEYRING ? parseKeyring(settings.CREDENTIALS_TRANSIT_KEYRING) : undefined;
  }

  /** The at-rest keyring, when keys can be kept. */
  get atRestKeyring(): Keyring | undefined {
    return this.atRest;
  }

  /** Whether keys can be kept at all. */
  get configured(): boolean {
    return this.atRest !== undefined;
  }

  seal(userId: string, provider: string, apiKey: string): string {
    return this.keyring(this.atRest, 'TRANSCRIPTION_CREDENTIALS_KEYRING').encrypt(apiKey, atRestContext(userId, provider));
  }

  open(userId: string, provider: string, sealed: string): string {
    return this.keyring(this.atRest, 'TRANSCRIPTION_CREDENTIALS_KEYRING').decrypt(sealed, atRestContext(userId, provider));
  }

  /** The key the gateway sealed for this user and provider; anything else is a 422. */
  openTransit(userId: string, provider: string, sealed: string): string {
    const keyring = this.keyring(this.transit, 'CREDENTIALS_TRANSIT_KEYRING');
    let apiKey: string;
    try {
      apiKey = keyring.decrypt(sealed, transitContext(userId, provider));
    } catch {
      throw new LeapError('PROVIDER_KEY.INVALID', 'The provider key does not open', { retryable: false, status: 422 });
    }
    if (!apiKey.trim()) throw new LeapError('PROVIDER_KEY.INVALID', 'apiKey: must not be empty', { retryable: false, status: 422 });
    return apiKey;
  }

  private keyring(keyring: Keyring | undefined, setting: string): Keyring {
    if (!keyring) {
      throw new LeapError('PROVIDER_KEY.ENCRYPTION_UNCONFIGURED', `Provider keys cannot be stored: ${setting} is not set`, { retryable: false, status: 503 });
    }
    return keyring;
  }
}

export const PROVIDER_KEY_VAULT = Symbol('transcription:provider-key-vault');
