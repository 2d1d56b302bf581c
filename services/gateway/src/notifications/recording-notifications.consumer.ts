import { createHmac } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'winston';
import { MESSAGE_TYPES, type RecordingStatusChanged } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { afterCommit } from '@leap/persistence';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { Mailer } from '../identity/mail/mailer.service';
import { publicFailureMessage } from '../recordings/public-failure';
import { recordingFailedMail, recordingReadyMail } from './notification-mails';
import { NOTIFICATION_KINDS, type NotificationKind } from './notification-kinds';
import { NotificationsRepository } from './notifications.repository';
import { UnsubscribeLinks } from './unsubscribe-link';

export const NOTIFICATIONS_QUEUE = 'gateway.notifications';
/** What the notifications queue takes: recording statuses (here) and quota warnings (`quota-notifications.consumer.ts`). */
export const NOTIFICATION_TYPES = [MESSAGE_TYPES.ingest.RecordingStatusChanged, MESSAGE_TYPES.quota.QuotaWarningRaised];

/** The key of unsubscribe links: derived from JWT_SECRET, apart from every other use of it. */
export function unsubscribeLinks(config: Pick<GatewayConfig, 'JWT_SECRET' | 'PUBLIC_BASE_URL'>): UnsubscribeLinks {
  return new UnsubscribeLinks(createHmac('sha256', config.JWT_SECRET).update('leap:unsubscribe-links').digest(), config.PUBLIC_BASE_URL);
}

/**
 * Mails the owner when a recording becomes READY or fails, unless they switched that kind off.
 * One mail per recording and kind (a repeated or redelivered event does not mail again); the mail
 * leaves once the handler's transaction has committed.
 */
@Injectable()
export class RecordingNotificationsConsumer {
  private readonly links: UnsubscribeLinks;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly mailer: Mailer,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<GatewayConfig, 'JWT_SECRET' | 'PUBLIC_BASE_URL'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.links = unsubscribeLinks(config);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingStatusChanged, { queue: NOTIFICATIONS_QUEUE })
  async statusChanged(ctx: MessageContext<RecordingStatusChanged>): Promise<void> {
    const event = ctx.data;
    const kind: NotificationKind | undefined = event.failed ? 'recording-failed' : event.status === 'RECORDING_STATUS_READY' ? 'recording-ready' : undefined;
    if (!kind) return;
    const preferences = await this.repository.preferences(event.userId, ctx.manager);
    if (!preferences[NOTIFICATION_KINDS[kind].field]) return;
    if (!(await this.repository.markSent(ctx.manager, event.userId, event.recordingId, kind))) return;
    const recipient = await this.repository.recipient(ctx.manager, event.userId, event.recordingId);
    if (!recipient) return;
    const title = recipient.title ?? 'Untitled recording';
    const url = `${this.config.PUBLIC_BASE_URL.replace(/\/$/, '')}/api/v1/recordings/${event.recordingId}`;
    const unsubscribe = this.links.link(event.userId, kind);
    const stage = event.failedStage ? String(event.failedStage).replace(/^PIPELINE_STAGE_/, '') : '';
    const mail =
      kind === 'recording-ready'
        ? recordingReadyMail(recipient.email, title, url, unsubscribe)
        : recordingFailedMail(recipient.email, title, stage, publicFailureMessage(stage || null), url, unsubscribe);
    afterCommit(ctx.manager, `notification:${event.recordingId}:${kind}`, async () => {
      if (!(await this.mailer.send(mail))) this.logger.warn('Notification mail not sent', { recordingId: event.recordingId, kind });
    });
  }
}
