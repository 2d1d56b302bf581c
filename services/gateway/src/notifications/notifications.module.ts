import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module';
import { NotificationPreferencesController, UnsubscribeController } from './notifications.controller';
import { NotificationsRepository } from './notifications.repository';
import { QuotaNotificationsConsumer } from './quota-notifications.consumer';
import { RecordingNotificationsConsumer } from './recording-notifications.consumer';

/** Mail notifications (a recording ready or failed, a quota warning), per-user switches, and the unsubscribe link. */
@Module({
  imports: [IdentityModule],
  controllers: [NotificationPreferencesController, UnsubscribeController],
  providers: [NotificationsRepository, RecordingNotificationsConsumer, QuotaNotificationsConsumer],
})
export class NotificationsModule {}
