import { Module } from '@nestjs/common';
import { RecordingsModule } from '../recordings/recordings.module';
import { TimingsController } from './timings.controller';

/** Stage timing analytics (R15), read from the timings the read-model projection records. */
@Module({
  imports: [RecordingsModule],
  controllers: [TimingsController],
})
export class TimingsModule {}
