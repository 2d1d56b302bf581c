import { Inject, Injectable } from '@nestjs/common';
import {
  MESSAGE_TYPES,
  type DeleteProviderCredential,
  type ListProviderCredentials,
  type ProviderCredential,
  type ProviderCredentialDeleteResult,
  type ProviderCredentialList,
  type ProviderCredentialSetResult,
  type SetProviderCredential,
} from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { maskSecret } from '@leap/secrets';
import { isTenantKeyProvider, PROVIDER_KEY_VAULT, TENANT_CHAT_PROVIDER, TENANT_KEY_PROVIDERS, type ProviderKeyVault } from './provider-key-vault';
import { TenantChatModels } from './tenant-chat-models';
import { ProviderCredentialsRepository, type ProviderCredentialRow } from './provider-credentials.repository';

export const PROVIDER_CREDENTIALS_QUEUE = 'transcription.provider-credentials';

const view = (row: ProviderCredentialRow): ProviderCredential => ({
  provider: row.provider,
  keyHint: row.keyHint,
  ...(row.model ? { model: row.model } : {}),
  ...(row.baseUrl ? { baseUrl: row.baseUrl } : {}),
  createdAt: new Date(row.createdAt).toISOString(),
  updatedAt: new Date(row.updatedAt).toISOString(),
});

function checkProvider(provider: string): void {
  if (!isTenantKeyProvider(provider)) {
    throw new LeapError('PROVIDER_KEY.INVALID', `provider: must be one of ${TENANT_KEY_PROVIDERS.join(', ')}`, { retryable: false, status: 422 });
  }
}

/**
 * Tenants' own speech provider and chat model keys (request/reply from the gateway): set (the key
 * arrives sealed for transit and is sealed again at rest), list (a hint of each key, never the
 * key), delete. A chat model's base URL must pass the address guard (no internal address unless
 * OUTBOUND_ALLOWED_HOSTS names it); it is checked again at every request (`TenantChatModels`).
 */
@Injectable()
export class ProviderCredentialsConsumer {
  constructor(
    private readonly repository: ProviderCredentialsRepository,
    @Inject(PROVIDER_KEY_VAULT) private readonly vault: ProviderKeyVault,
    private readonly chats: TenantChatModels,
  ) {}

  @MessageHandler(MESSAGE_TYPES.transcription.SetProviderCredential, { queue: PROVIDER_CREDENTIALS_QUEUE })
  async set(ctx: MessageContext<SetProviderCredential>): Promise<ProviderCredentialSetResult> {
    const { userId, provider, sealedApiKey, model, baseUrl } = ctx.data;
    checkProvider(provider);
    if (model !== undefined && (model.length === 0 || model.length > 200 || !['openai', TENANT_CHAT_PROVIDER].includes(provider))) {
      throw new LeapError('PROVIDER_KEY.INVALID', 'model: 1 to 200 characters, for openai and llm only', { retryable: false, status: 422 });
    }
    if (baseUrl !== undefined) {
      if (provider !== TENANT_CHAT_PROVIDER) throw new LeapError('PROVIDER_KEY.INVALID', 'baseUrl: for llm only', { retryable: false, status: 422 });
      await this.chats.checkBaseUrl(baseUrl);
    }
    const apiKey = this.vault.openTransit(userId, provider, sealedApiKey);
    const row = await this.repository.upsert({
      userId,
      provider,
      sealedApiKey: this.vault.seal(userId, provider, apiKey),
      keyHint: maskSecret(apiKey),
      model: model ?? null,
      baseUrl: baseUrl ?? null,
    });
    return { credential: view(row), created: row.created === true };
  }

  @MessageHandler(MESSAGE_TYPES.transcription.ListProviderCredentials, { queue: PROVIDER_CREDENTIALS_QUEUE })
  async list(ctx: MessageContext<ListProviderCredentials>): Promise<ProviderCredentialList> {
    return { credentials: (await this.repository.list(ctx.data.userId)).map(view) };
  }

  @MessageHandler(MESSAGE_TYPES.transcription.DeleteProviderCredential, { queue: PROVIDER_CREDENTIALS_QUEUE })
  async delete(ctx: MessageContext<DeleteProviderCredential>): Promise<ProviderCredentialDeleteResult> {
    checkProvider(ctx.data.provider);
    return { deleted: await this.repository.delete(ctx.data.userId, ctx.data.provider) };
  }
}
