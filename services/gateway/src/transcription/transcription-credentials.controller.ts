import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Res } from '@nestjs/common';
import { MESSAGE_TYPES, type PayloadOf, type ProviderCredential, type QueryType, type ReplyOf } from '@leap/contracts';
import { LeapError, MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { parseKeyring, type Keyring } from '@leap/secrets';
import type { Logger } from 'winston';
import { Idempotent } from '../access/decorators';
import type { Principal } from '../access/principal';
import { CurrentUser } from '../auth/current-user.decorator';
import { ApiDoc } from '../common/api-doc';
import type { HttpResponse } from '../common/http-types';
import { registerProblemTitles } from '../common/problem-details';
import { parseInput } from '../common/validation';
import type { GatewayConfig } from '../config/config.schema';
import {
  providerCredentialListSchema,
  providerCredentialSchema,
  providerParamSchema,
  setProviderCredentialSchema,
  type ProviderCredentialView,
} from './transcription-credentials.dto';

registerProblemTitles({
  'PROVIDER_KEY.NOT_FOUND': 'No key of yours for this provider',
  'PROVIDER_KEY.INVALID': 'The provider key cannot be stored',
  'PROVIDER_KEY.ENCRYPTION_UNCONFIGURED': 'Provider keys cannot be stored on this server',
});

/** Refusals of the transcription service that reach the caller with their own code and status. */
const REFUSALS: Record<string, number> = { 'PROVIDER_KEY.INVALID': 422, 'PROVIDER_KEY.ENCRYPTION_UNCONFIGURED': 503 };

const view = (c: ProviderCredential): ProviderCredentialView => ({
  provider: c.provider as ProviderCredentialView['provider'],
  keyHint: c.keyHint,
  model: c.model ?? null,
  baseUrl: c.baseUrl ?? null,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

/**
 * A tenant's own speech provider keys (OpenAI-compatible, AssemblyAI) and chat model key (`llm`:
 * topics and subtitle translation), used for their recordings instead of the server's. The key is sealed here with the transit keyring before it goes on the
 * bus, and kept (sealed again at rest) by the transcription service; it is never shown again.
 */
@Controller('api/v1/transcription/credentials')
export class TranscriptionCredentialsController {
  private readonly transit?: Keyring;

  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'CREDENTIALS_TRANSIT_KEYRING' | 'INGEST_REQUEST_TIMEOUT'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.transit = config.CREDENTIALS_TRANSIT_KEYRING ? parseKeyring(config.CREDENTIALS_TRANSIT_KEYRING) : undefined;
  }

  @Get()
  @ApiDoc({
    summary: 'List your speech provider and chat model keys',
    description: 'Each provider you set a key for, with a hint of the key (never the key).',
    tag: 'transcription',
    responses: { 200: { description: 'Your provider keys, by provider', schema: providerCredentialListSchema } },
    problems: { 503: ['TRANSCRIPTION.UNAVAILABLE'] },
  })
  async list(@CurrentUser() user: Principal) {
    const reply = await this.ask(MESSAGE_TYPES.transcription.ListProviderCredentials, { userId: user.userId });
    return { items: (reply.credentials ?? []).map(view) };
  }

  @Put(':provider')
  @Idempotent()
  @ApiDoc({
    summary: 'Set your key for a speech provider or the chat model',
    description:
      'Your recordings are transcribed with this key instead of the server\'s: a provider you have a key for comes first in the failover order. ' +
      '`llm` is the chat model your topics and subtitle translations use instead of the server\'s (any OpenAI-compatible chat API, `baseUrl`; ' +
      'an internal address is refused). A second PUT replaces the key (200). The key is stored encrypted and never shown again.',
    tag: 'transcription',
    params: { provider: '`openai` (the OpenAI-compatible API the server is set up for), `assemblyai`, or `llm` (the chat model)' },
    body: setProviderCredentialSchema,
    responses: {
      201: { description: 'Stored', schema: providerCredentialSchema },
      200: { description: 'The key replaced the one you had', schema: providerCredentialSchema },
    },
    problems: { 400: ['VALIDATION.FAILED'], 422: ['PROVIDER_KEY.INVALID'], 503: ['PROVIDER_KEY.ENCRYPTION_UNCONFIGURED', 'TRANSCRIPTION.UNAVAILABLE'] },
  })
  async set(@CurrentUser() user: Principal, @Param('provider') provider: string, @Body() body: unknown, @Res({ passthrough: true }) res: HttpResponse) {
    const name = parseInput(providerParamSchema, provider);
    const b = parseInput(setProviderCredentialSchema, body);
    if (b.model !== undefined && name === 'assemblyai') {
      throw new LeapError('PROVIDER_KEY.INVALID', 'model: only the openai and llm providers take a model', { status: 422 });
    }
    if (b.baseUrl !== undefined && name !== 'llm') {
      throw new LeapError('PROVIDER_KEY.INVALID', 'baseUrl: only the llm provider takes a base URL', { status: 422 });
    }
    if (!this.transit) {
      throw new LeapError('PROVIDER_KEY.ENCRYPTION_UNCONFIGURED', 'Provider keys cannot be stored: CREDENTIALS_TRANSIT_KEYRING is not set', { status: 503 });
    }
    const sealedApiKey = this.transit.encrypt(b.apiKey, `transcription-key-transit:${user.userId}:${name}`);
    const reply = await this.ask(MESSAGE_TYPES.transcription.SetProviderCredential, {
      userId: user.userId,
      provider: name,
      sealedApiKey,
      ...(b.model !== undefined ? { model: b.model } : {}),
      ...(b.baseUrl !== undefined ? { baseUrl: b.baseUrl } : {}),
    });
    res.status(reply.created ? 201 : 200);
    return view(reply.credential);
  }

  @Delete(':provider')
  @HttpCode(204)
  @ApiDoc({
    summary: 'Delete your key for a speech provider or the chat model',
    description: 'Your recordings are transcribed (or their topics and translations made) with the server\'s providers again.',
    tag: 'transcription',
    params: { provider: '`openai`, `assemblyai` or `llm`' },
    responses: { 204: { description: 'Deleted' } },
    problems: { 400: ['VALIDATION.FAILED'], 404: ['PROVIDER_KEY.NOT_FOUND'], 503: ['TRANSCRIPTION.UNAVAILABLE'] },
  })
  async delete(@CurrentUser() user: Principal, @Param('provider') provider: string): Promise<void> {
    const name = parseInput(providerParamSchema, provider);
    const reply = await this.ask(MESSAGE_TYPES.transcription.DeleteProviderCredential, { userId: user.userId, provider: name });
    if (!reply.deleted) throw new LeapError('PROVIDER_KEY.NOT_FOUND', `You have no key for ${name}`, { status: 404 });
  }

  /** Request/reply to the transcription service; no answer in time is 503 TRANSCRIPTION.UNAVAILABLE. */
  private async ask<Q extends QueryType>(type: Q, query: PayloadOf<Q> & { userId: string }): Promise<ReplyOf<Q>> {
    try {
      return (await this.bus.request(type, query, { tenant: query.userId, timeoutMs: this.config.INGEST_REQUEST_TIMEOUT })) as ReplyOf<Q>;
    } catch (error) {
      const code = error instanceof LeapError ? error.code : undefined;
      if (code && REFUSALS[code]) throw new LeapError(code, (error as Error).message, { status: REFUSALS[code] });
      this.logger.warn(`transcription did not answer ${type}: ${(error as Error).message}`, { code });
      throw new LeapError('TRANSCRIPTION.UNAVAILABLE', 'The transcription service did not answer; try again shortly', {
        status: 503,
        retryable: true,
        details: { retryAfterSeconds: 5 },
        cause: error,
      });
    }
  }
}
