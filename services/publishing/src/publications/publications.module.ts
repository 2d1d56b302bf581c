import { Module } from '@nestjs/common';
import { LocalExportService } from '../local-export/local-export.service';
import { PublicationsRepository } from './publications.repository';
import { PublishConsumer } from './publish.consumer';
import { PublishService } from './publish.service';

/** Publishing a recording to its output targets (the local export for now) and the outcomes. */
@Module({ providers: [LocalExportService, PublicationsRepository, PublishService, PublishConsumer] })
export class PublicationsModule {}
