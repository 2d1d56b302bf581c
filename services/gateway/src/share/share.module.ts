import { Module } from '@nestjs/common';
import { RecordingsModule } from '../recordings/recordings.module';
import { PublicShareController, ShareLinksController } from './share-links.controller';
import { ShareLinksRepository } from './share-links.repository';
import { ShareLinksService } from './share-links.service';

/** Public share links of recordings (R12). */
@Module({
  imports: [RecordingsModule],
  controllers: [ShareLinksController, PublicShareController],
  providers: [ShareLinksRepository, ShareLinksService],
})
export class ShareModule {}
