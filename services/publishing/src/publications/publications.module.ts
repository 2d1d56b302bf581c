import { Module } from '@nestjs/common';
import { CredentialsModule } from '../credentials/credentials.module';
import { PresetsModule } from '../presets/presets.module';
import { PlatformsModule } from '../platforms/platforms.module';
import { LocalExportService } from '../local-export/local-export.service';
import { PublicationsRepository } from './publications.repository';
import { PublishingJobsControlConsumer } from './jobs-control.consumer';
import { PublishConsumer } from './publish.consumer';
import { PublishService } from './publish.service';
import { RetractConsumer } from './retract.consumer';
import { TargetsConsumer } from '../targets/targets.consumer';
import { TargetsService } from '../targets/targets.service';

/** Publishing a recording to its output targets (YouTube, VK, Yandex Disk and the local export) and the outcomes. */
@Module({
  imports: [PresetsModule, CredentialsModule, PlatformsModule],
  providers: [
    LocalExportService,
    PublicationsRepository,
    PublishService,
    PublishConsumer,
    RetractConsumer,
    PublishingJobsControlConsumer,
    TargetsService,
    TargetsConsumer,
  ],
})
export class PublicationsModule {}
