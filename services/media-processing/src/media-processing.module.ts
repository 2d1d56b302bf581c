import { Module } from '@nestjs/common';
import { WorkDirSweeper } from '@leap/media-tools';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import type { MediaProcessingConfig } from './config/config.schema';
import { FfmpegMediaToolkit, MediaToolkit } from './trim/media-toolkit';
import { RecordingMediaRepository } from './trim/recording-media.repository';
import { MediaJobsControlConsumer } from './jobs-control.consumer';
import { TrimConsumer } from './trim/trim.consumer';
import { TrimService } from './trim/trim.service';

/** Stage 2 of the pipeline: silence trimming and audio for speech recognition. */
@Module({
  providers: [
    { provide: MediaToolkit, useClass: FfmpegMediaToolkit },
    RecordingMediaRepository,
    TrimService,
    TrimConsumer,
    MediaJobsControlConsumer,
    {
      provide: WorkDirSweeper,
      inject: [SERVICE_CONFIG, SERVICE_LOGGER],
      useFactory: (config: MediaProcessingConfig, logger: Logger) => new WorkDirSweeper({ maxAgeMs: config.WORK_DIR_MAX_AGE, logger }),
    },
  ],
})
export class MediaProcessingModule {}
