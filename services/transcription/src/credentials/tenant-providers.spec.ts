import type { Logger } from 'winston';
import { LeapError } from '@leap/errors';
import { transcriptionConfigSchema, type TranscriptionConfig } from '../config/config.schema';
import type { ProcessRunner } from '../recognition/process-runner';
import type { TranscriptionProvider } from '../recognition/transcription-provider';
import type { ProviderCredentialsRepository } from './provider-credentials.repository';
import type { ProviderKeyVault } from './provider-key-vault';
import { TenantProviders } from './tenant-providers';

const unexpected = (what: string) => () => {
  throw new Error(`unexpected call: ${what}`);
};

const provider = (name: string): TranscriptionProvider => ({
  name,
  model: `${name}-model`,
  limits: { maxSeconds: 600, maxBytes: 1e9 },
  transcribe: unexpected(`${name}.transcribe`),
});

function tenantProviders(env: Record<string, string>, server: TranscriptionProvider[]) {
  const config = transcriptionConfigSchema.parse({ NODE_ENV: 'test', DATABASE_URL: 'postgres://x/y', RABBITMQ_URL: 'amqp://x', ...env }) as TranscriptionConfig;
  const warnings: string[] = [];
  const logger = { warn: (message: string) => warnings.push(message), error: unexpected('logger.error') } as unknown as Logger;
  const repository = { list: unexpected('repository.list') } as unknown as ProviderCredentialsRepository;
  const vault = { configured: false } as ProviderKeyVault;
  const runner = { run: unexpected('runner.run') } as unknown as ProcessRunner;
  return { providers: new TenantProviders(repository, vault, server, config, logger, unexpected('fetch') as never, runner), warnings };
}

describe('the providers of one recording', () => {
  it('are the server’s, in TRANSCRIPTION_PROVIDERS order, when the template names none', async () => {
    const server = [provider('openai'), provider('offline')];
    const { providers } = tenantProviders({ TRANSCRIPTION_PROVIDERS: 'openai,offline', OPENAI_TRANSCRIPTION_API_KEY: 'sk-1' }, server);
    expect(await providers.forUser('user-1')).toEqual(server);
  });

  it('are exactly the template’s, in its order, including one the server order leaves out but has a key for', async () => {
    const server = [provider('openai')];
    const { providers } = tenantProviders({ TRANSCRIPTION_PROVIDERS: 'openai', OPENAI_TRANSCRIPTION_API_KEY: 'sk-1', ASSEMBLYAI_API_KEY: 'aai-1' }, server);
    const chosen = await providers.forUser('user-1', ['assemblyai', 'openai']);
    expect(chosen.map((p) => p.name)).toEqual(['assemblyai', 'openai']);
    expect(chosen[1]).toBe(server[0]);
    // The offline recogniser, `offline` in settings, names itself after its engine.
    expect((await providers.forUser('user-1', ['offline'])).map((p) => p.name)).toEqual(['pocketsphinx']);
  });

  it('leave out a named provider nobody has a key for, and fail without retry when none is left', async () => {
    const offline = provider('pocketsphinx');
    const { providers, warnings } = tenantProviders({ TRANSCRIPTION_PROVIDERS: 'offline' }, [offline]);
    expect(await providers.forUser('user-1', ['assemblyai', 'offline'])).toEqual([offline]);
    expect(warnings).toEqual([expect.stringContaining('assemblyai')]);
    const error = (await providers.forUser('user-1', ['openai', 'assemblyai']).catch((e: unknown) => e)) as LeapError;
    expect(error).toBeInstanceOf(LeapError);
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_UNAVAILABLE', retryable: false });
  });
});
