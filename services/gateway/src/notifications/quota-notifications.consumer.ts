import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'winston';
import { MESSAGE_TYPES, type QuotaWarningRaised } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { afterCommit } from '@leap/persistence';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import { isUuid } from '../common/validation';
import type { GatewayConfig } from '../config/config.schema';
import { Mailer } from '../identity/mail/mailer.service';
import { quotaWarningMail } from './notification-mails';
import { NotificationsRepository } from './notifications.repository';
import { NOTIFICATIONS_QUEUE, unsubscribeLinks } from './recording-notifications.consumer';
import type { UnsubscribeLinks } from './unsubscribe-link';

/**
 * Mails a user whose usage reached a warning threshold of a limit (quota's `quota.warning.raised.v1`),
 * unless they switched quota warnings off. One mail per user, period, metric and threshold, even
 * when the event comes again; the mail leaves once the handler's transaction has committed.
 */
@Injectable()
export class QuotaNotificationsConsumer {
  private readonly links: UnsubscribeLinks;

  constructor(
    private readonly repository: NotificationsRepository,
    private readonly mailer: Mailer,
    @Inject(SERVICE_CONFIG) config: Pick<GatewayConfig, 'JWT_SECRET' | 'PUBLIC_BASE_URL'>,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    this.links = unsubscribeLinks(config);
  }

  @MessageHandler(MESSAGE_TYPES.quota.QuotaWarningRaised, { queue: NOTIFICATIONS_QUEUE })
  async warningRaised(ctx: MessageContext<QuotaWarningRaised>): Promise<void> {
    const warning = ctx.data;
    // Quota counts whatever user id it is given; only the gateway's users have an address.
    if (!isUuid(warning.userId)) return;
    const preferences = await this.repository.preferences(warning.userId, ctx.manager);
    if (!preferences.quotaWarning) return;
    const subject = `quota:${warning.userId}:${warning.period}:${warning.metric}:${warning.thresholdPercent}`;
    if (!(await this.repository.markSent(ctx.manager, warning.userId, subject, 'quota-warning'))) return;
    const email = await this.repository.email(ctx.manager, warning.userId);
    if (!email) return;
    const mail = quotaWarningMail(
      email,
      { metric: warning.metric, used: Number(warning.used), limit: Number(warning.limit), thresholdPercent: warning.thresholdPercent, period: warning.period },
      this.links.link(warning.userId, 'quota-warning'),
    );
    afterCommit(ctx.manager, `notification:${subject}`, async () => {
      if (!(await this.mailer.send(mail))) this.logger.warn('Notification mail not sent', { userId: warning.userId, kind: 'quota-warning' });
    });
  }
}
