import { Module } from '@nestjs/common';
import { FfmpegMediaToolkit, MediaToolkit } from './trim/media-toolkit';
import { RecordingMediaRepository } from './trim/recording-media.repository';
import { TrimConsumer } from './trim/trim.consumer';
import { TrimService } from './trim/trim.service';

/** Stage 2 of the pipeline: silence trimming and audio for speech recognition. */
@Module({
  providers: [{ provide: MediaToolkit, useClass: FfmpegMediaToolkit }, RecordingMediaRepository, TrimService, TrimConsumer],
})
export class MediaProcessingModule {}
