import { Module } from '@nestjs/common';
import { LeapError } from '@leap/messaging';
import { WorkDirSweeper } from '@leap/media-tools';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import type { TranscriptionConfig } from './config/config.schema';
import { FfmpegAudioConverter } from './recognition/audio-converter';
import { PocketsphinxProvider } from './recognition/pocketsphinx.provider';
import { PROCESS_RUNNER, SpawnProcessRunner, type ProcessRunner } from './recognition/process-runner';
import { TRANSCRIPTION_PROVIDER, type TranscriptionProvider } from './recognition/transcription-provider';
import { RecordingObjectsRepository } from './storage/recording-objects.repository';
import { SubtitlesConsumer } from './subtitles/subtitles.consumer';
import { SubtitlesService } from './subtitles/subtitles.service';
import { TopicsConsumer } from './topics/topics.consumer';
import { TopicsService } from './topics/topics.service';
import { TranscribeConsumer } from './transcribe/transcribe.consumer';
import { TranscribeService } from './transcribe/transcribe.service';

/** The recogniser the configuration names. Only the offline one is built in so far. */
export function createTranscriptionProvider(config: TranscriptionConfig, runner: ProcessRunner): TranscriptionProvider {
  if (config.TRANSCRIPTION_PROVIDER !== 'offline') {
    throw new LeapError(
      'TRANSCRIPTION.PROVIDER_UNAVAILABLE',
      `TRANSCRIPTION_PROVIDER=${config.TRANSCRIPTION_PROVIDER} is not available in this version; use offline`,
      { retryable: false },
    );
  }
  return new PocketsphinxProvider(runner, new FfmpegAudioConverter(config.FFMPEG_PATH), {
    binary: config.POCKETSPHINX_PATH,
    modelDir: config.POCKETSPHINX_MODEL_DIR,
    timeoutMs: config.TRANSCRIPTION_TIMEOUT,
  });
}

/** Speech recognition (stage 3), topics (stage 4) and subtitles (stage 5). */
@Module({
  providers: [
    { provide: PROCESS_RUNNER, useClass: SpawnProcessRunner },
    {
      provide: WorkDirSweeper,
      inject: [SERVICE_CONFIG, SERVICE_LOGGER],
      useFactory: (config: TranscriptionConfig, logger: Logger) => new WorkDirSweeper({ maxAgeMs: config.WORK_DIR_MAX_AGE, logger }),
    },
    { provide: TRANSCRIPTION_PROVIDER, inject: [SERVICE_CONFIG, PROCESS_RUNNER], useFactory: createTranscriptionProvider },
    RecordingObjectsRepository,
    TranscribeService,
    TranscribeConsumer,
    TopicsService,
    TopicsConsumer,
    SubtitlesService,
    SubtitlesConsumer,
  ],
})
export class TranscriptionModule {}
