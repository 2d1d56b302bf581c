import { Module } from '@nestjs/common';
import { registerProblemTitles } from '../common/problem-details';
import { RecordingsModule } from '../recordings/recordings.module';
import { AutomationClient } from './automation.client';
import { AutomationController } from './automation.controller';

registerProblemTitles({
  'AUTOMATION.NOT_FOUND': 'Automation job not found',
  'AUTOMATION.INVALID': 'The automation job is not valid',
  'AUTOMATION.INVALID_SCHEDULE': 'The schedule is not valid',
  'AUTOMATION.DUPLICATE': 'An automation job with that name already exists',
  'AUTOMATION.LIMIT_REACHED': 'Your plan allows no more automation jobs',
  'AUTOMATION.INTERVAL_TOO_SHORT': "The schedule fires more often than your plan allows",
});

/** `/api/v1/automation/jobs`: automation jobs, kept and fired by ingest, under the plan's limits from quota. */
@Module({ imports: [RecordingsModule], controllers: [AutomationController], providers: [AutomationClient] })
export class AutomationModule {}
