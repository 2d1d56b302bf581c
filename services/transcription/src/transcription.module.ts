import { Module } from '@nestjs/common';
import { WorkDirSweeper } from '@leap/media-tools';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import type { TranscriptionConfig } from './config/config.schema';
import { FfmpegChunkAudio } from './chunking/chunk-audio';
import { ChunkResultsRepository } from './chunking/chunk-results.repository';
import { ChunkedTranscription } from './chunking/chunked-transcription';
import { createTranscriptionProviders, PROVIDER_FETCH, serverProviderSettings } from './providers/provider-factory';
import type { Fetch } from './providers/provider-http';
import { ProviderCredentialsConsumer } from './credentials/provider-credentials.consumer';
import { ProviderCredentialsRepository } from './credentials/provider-credentials.repository';
import { PROVIDER_KEY_VAULT, ProviderKeyVault } from './credentials/provider-key-vault';
import { TenantProviders } from './credentials/tenant-providers';
import { SERVER_CHAT_CLIENT, TenantChatModels } from './credentials/tenant-chat-models';
import { ProviderKeyResealer } from './credentials/provider-key-resealer';
import { PROCESS_RUNNER, SpawnProcessRunner, type ProcessRunner } from './recognition/process-runner';
import { TRANSCRIPTION_PROVIDERS, type TranscriptionProvider } from './recognition/transcription-provider';
import { RecordingObjectsRepository } from './storage/recording-objects.repository';
import { TranscriptionJobsControlConsumer } from './jobs-control.consumer';
import { SubtitlesConsumer } from './subtitles/subtitles.consumer';
import { SUBTITLE_TRANSLATOR, SubtitlesService } from './subtitles/subtitles.service';
import { SubtitleTranslator } from './subtitles/translation';
import { TopicsConsumer } from './topics/topics.consumer';
import { TopicsEditConsumer } from './topics/topics-edit.consumer';
import { LLM_TOPICS, TopicsService } from './topics/topics.service';
import { OpenAiChatClient, type ChatClient } from './topics/llm/chat-client';
import { LlmTopicExtractor } from './topics/llm/llm-topics';
import { TranscribeConsumer } from './transcribe/transcribe.consumer';
import { CHUNKED_TRANSCRIPTION, TranscribeService } from './transcribe/transcribe.service';
import { TranscriptionQuota } from './transcribe/transcription-quota';


/** Speech recognition (stage 3), topics (stage 4) and subtitles (stage 5). */
@Module({
  providers: [
    { provide: PROCESS_RUNNER, useClass: SpawnProcessRunner },
    {
      provide: WorkDirSweeper,
      inject: [SERVICE_CONFIG, SERVICE_LOGGER],
      useFactory: (config: TranscriptionConfig, logger: Logger) => new WorkDirSweeper({ maxAgeMs: config.WORK_DIR_MAX_AGE, logger }),
    },
    { provide: PROVIDER_FETCH, useValue: (...args: Parameters<typeof fetch>) => fetch(...args) },
    {
      provide: TRANSCRIPTION_PROVIDERS,
      inject: [SERVICE_CONFIG, PROCESS_RUNNER, PROVIDER_FETCH],
      useFactory: (config: TranscriptionConfig, runner: ProcessRunner, fetchFn: Fetch) =>
        createTranscriptionProviders(config, runner, serverProviderSettings(config), fetchFn),
    },
    { provide: PROVIDER_KEY_VAULT, inject: [SERVICE_CONFIG], useFactory: (config: TranscriptionConfig) => new ProviderKeyVault(config) },
    ProviderCredentialsRepository,
    ProviderCredentialsConsumer,
    ProviderKeyResealer,
    TenantProviders,
    TenantChatModels,
    ChunkResultsRepository,
    {
      provide: CHUNKED_TRANSCRIPTION,
      inject: [SERVICE_CONFIG, TRANSCRIPTION_PROVIDERS, ChunkResultsRepository],
      useFactory: (config: TranscriptionConfig, providers: TranscriptionProvider[], results: ChunkResultsRepository) =>
        new ChunkedTranscription(providers, new FfmpegChunkAudio(config.FFMPEG_PATH), results, {
          concurrency: config.TRANSCRIPTION_CHUNK_CONCURRENCY,
          attemptsPerProvider: config.TRANSCRIPTION_PROVIDER_ATTEMPTS,
          backoffMs: config.TRANSCRIPTION_RETRY_BACKOFF,
          maxChunkSeconds: config.TRANSCRIPTION_MAX_CHUNK_SECONDS,
        }),
    },
    {
      // The server's chat model; a tenant's own key picks theirs (TenantChatModels).
      provide: SERVER_CHAT_CLIENT,
      inject: [SERVICE_CONFIG],
      useFactory: (config: TranscriptionConfig) =>
        config.LLM_API_KEY ? new OpenAiChatClient({ baseUrl: config.LLM_BASE_URL, apiKey: config.LLM_API_KEY, model: config.LLM_MODEL, timeoutMs: config.LLM_TIMEOUT }) : null,
    },
    { provide: LLM_TOPICS, inject: [SERVER_CHAT_CLIENT], useFactory: (chat: ChatClient | null) => (chat ? new LlmTopicExtractor(chat) : null) },
    { provide: SUBTITLE_TRANSLATOR, inject: [SERVER_CHAT_CLIENT], useFactory: (chat: ChatClient | null) => (chat ? new SubtitleTranslator(chat) : null) },
    RecordingObjectsRepository,
    TranscribeService,
    TranscriptionQuota,
    TranscribeConsumer,
    TopicsService,
    TopicsConsumer,
    TopicsEditConsumer,
    SubtitlesService,
    SubtitlesConsumer,
    TranscriptionJobsControlConsumer,
  ],
})
export class TranscriptionModule {}
