import { Module } from '@nestjs/common';
import { BulkController } from './bulk/bulk.controller';
import { BulkControlClient } from './bulk/bulk-control.client';
import { BulkService } from './bulk/bulk.service';
import { PipelineControlClient } from './pipeline-control.client';
import { QuotaClient } from './quota-client.service';
import { ReadModelConsumer } from './read-model.consumer';
import { RecordingsController } from './recordings.controller';
import { RecordingsRepository } from './recordings.repository';
import { RecordingsService } from './recordings.service';
import { UploadService } from './upload.service';
import { MediaController } from './media/media.controller';
import { MediaService } from './media/media.service';
import { ImportsController } from './imports/imports.controller';
import { ImportsService } from './imports/imports.service';
import { OutputPresetsCheck } from './output-presets';
import { PublishingClient } from '../publishing/publishing.client';
import { RecordingTopicsController } from './topics/topics.controller';
import { RecordingFilesController } from './files/files.controller';
import { RecordingTopicsService } from './topics/topics.service';
import { EventLog } from '../progress/event-log.repository';
import { RecordingFiles } from './files/recording-files.service';
import { StageTimingsRepository } from '../timings/stage-timings.repository';
import { RecordingsExportController } from './export/export.controller';
import { RecordingsExportService } from './export/recordings-export.service';
import { PipelineControlController } from './control/pipeline-control.controller';
import { StageRerunController } from './control/stage-rerun.controller';

@Module({
  // The bulk routes first: `bulk/run` must not be taken for `{id}/run`.
  controllers: [BulkController, RecordingsController, MediaController, ImportsController, RecordingTopicsController, RecordingFilesController, RecordingsExportController, PipelineControlController, StageRerunController],
  providers: [BulkService, BulkControlClient, PublishingClient, OutputPresetsCheck, RecordingsRepository, RecordingsService, UploadService, QuotaClient, PipelineControlClient, ReadModelConsumer, MediaService, ImportsService, RecordingTopicsService, EventLog, RecordingFiles, RecordingsExportService, StageTimingsRepository],
  exports: [RecordingsRepository, PipelineControlClient, QuotaClient, EventLog, StageTimingsRepository, MediaService, RecordingsService, RecordingFiles, RecordingTopicsService],
})
export class RecordingsModule {}
