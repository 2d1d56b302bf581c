import { Module } from '@nestjs/common';
import { Clock } from './clock.service';
import { PipelineConsumer } from './pipeline/pipeline.consumer';
import { PipelineService } from './pipeline/pipeline.service';
import { RecordingRepository } from './recordings/recording.repository';
import { RecordingsConsumer } from './recordings/recordings.consumer';

/** The recording aggregate and the pipeline process manager. */
@Module({
  providers: [Clock, RecordingRepository, PipelineService, RecordingsConsumer, PipelineConsumer],
})
export class IngestModule {}
