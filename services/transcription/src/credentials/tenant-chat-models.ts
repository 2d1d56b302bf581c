import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'winston';
import { LeapError } from '@leap/errors';
import { AddressNotAllowedError, OutboundPolicy } from '@leap/outbound';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { SecretsError } from '@leap/secrets';
import type { TranscriptionConfig } from '../config/config.schema';
import { PROVIDER_FETCH } from '../providers/provider-factory';
import type { Fetch } from '../providers/provider-http';
import { OpenAiChatClient, type ChatAnswer, type ChatClient, type ChatMessage } from '../topics/llm/chat-client';
import { PROVIDER_KEY_VAULT, TENANT_CHAT_PROVIDER, type ProviderKeyVault } from './provider-key-vault';
import { ProviderCredentialsRepository } from './provider-credentials.repository';

/** The server's chat model (LLM_*), or null without LLM_API_KEY. */
export const SERVER_CHAT_CLIENT = Symbol('transcription:server-chat-client');

/** Longest base URL a tenant may give. */
const MAX_BASE_URL = 500;

/**
 * The chat model one user's topics and subtitle translations go to: the user's own (`llm`
 * credential: key, model, base URL) instead of the server's LLM_* settings, the server's
 * otherwise, none when neither is set (topics are then extractive, translations refused).
 *
 * A tenant's base URL is theirs to choose, so it goes through the address guard: no internal
 * address unless OUTBOUND_ALLOWED_HOSTS names it, checked when it is set and before every
 * request (a name that resolves elsewhere later is caught then), and no redirect is followed.
 */
@Injectable()
export class TenantChatModels {
  private readonly policy: OutboundPolicy;

  constructor(
    private readonly repository: ProviderCredentialsRepository,
    @Inject(PROVIDER_KEY_VAULT) private readonly vault: ProviderKeyVault,
    @Inject(SERVICE_CONFIG) private readonly config: TranscriptionConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    @Inject(PROVIDER_FETCH) private readonly fetchFn: Fetch,
    @Optional() @Inject(SERVER_CHAT_CLIENT) private readonly server?: ChatClient | null,
  ) {
    this.policy = new OutboundPolicy({ allowedHosts: config.OUTBOUND_ALLOWED_HOSTS ?? '' });
  }

  /** The user's chat model, else the server's, else null. */
  async forUser(userId: string): Promise<ChatClient | null> {
    const server = this.server ?? null;
    if (!this.vault.configured) return server;
    const row = await this.repository.find(userId, TENANT_CHAT_PROVIDER);
    if (!row) return server;
    let apiKey: string;
    try {
      apiKey = this.vault.open(userId, row.provider, row.sealedApiKey);
    } catch (error) {
      if (!(error instanceof SecretsError)) throw error;
      this.logger.error('A tenant chat model key does not open; the server chat model is used', { userId, provider: row.provider, code: error.code });
      return server;
    }
    const client = new OpenAiChatClient({
      baseUrl: row.baseUrl ?? this.config.LLM_BASE_URL,
      apiKey,
      model: row.model ?? this.config.LLM_MODEL,
      timeoutMs: this.config.LLM_TIMEOUT,
      // A redirect could lead past the guard: it is an error, not followed.
      fetch: row.baseUrl ? (input, init) => this.fetchFn(input, { ...init, redirect: 'error' }) : this.fetchFn,
    });
    return row.baseUrl ? new GuardedChatClient(client, row.baseUrl, (url) => this.checkBaseUrl(url, 'TRANSCRIPTION.LLM_URL_NOT_ALLOWED')) : client;
  }

  /** Refuses a base URL that is not http(s), too long, or internal (`PROVIDER_KEY.INVALID` when it is being set). */
  async checkBaseUrl(baseUrl: string, code = 'PROVIDER_KEY.INVALID'): Promise<void> {
    if (baseUrl.length > MAX_BASE_URL) throw new LeapError(code, `baseUrl: must be at most ${MAX_BASE_URL} characters`, { retryable: false, status: 422 });
    try {
      await this.policy.checkUrl(baseUrl);
    } catch (error) {
      if (error instanceof AddressNotAllowedError) throw new LeapError(code, `baseUrl: ${error.message}`, { retryable: false, status: 422, details: { reason: error.reason } });
      throw error;
    }
  }
}

/** A tenant's chat client whose base URL is checked by the address guard before each request. */
class GuardedChatClient implements ChatClient {
  constructor(
    private readonly inner: ChatClient,
    private readonly baseUrl: string,
    private readonly check: (url: string) => Promise<void>,
  ) {}

  get model(): string {
    return this.inner.model;
  }

  async complete(messages: readonly ChatMessage[], options?: { signal?: AbortSignal }): Promise<ChatAnswer> {
    await this.check(this.baseUrl);
    return this.inner.complete(messages, options);
  }
}
