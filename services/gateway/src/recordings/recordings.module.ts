import { Module } from '@nestjs/common';
import { QuotaClient } from './quota-client.service';
import { ReadModelConsumer } from './read-model.consumer';
import { RecordingsController } from './recordings.controller';
import { RecordingsRepository } from './recordings.repository';
import { RecordingsService } from './recordings.service';
import { UploadService } from './upload.service';

@Module({
  controllers: [RecordingsController],
  providers: [RecordingsRepository, RecordingsService, UploadService, QuotaClient, ReadModelConsumer],
})
export class RecordingsModule {}
