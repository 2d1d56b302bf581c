import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RecordingsModule } from '../recordings/recordings.module';
import { EventsController } from './events.controller';
import { EventSweep } from './event-sweep.service';
import { ProgressStreams } from './progress-streams.service';

/** Live progress: the server-sent event streams fed by the read model's event log, and its retention. */
@Module({
  imports: [AuthModule, RecordingsModule],
  controllers: [EventsController],
  providers: [ProgressStreams, EventSweep],
  exports: [ProgressStreams, EventSweep],
})
export class ProgressModule {}
