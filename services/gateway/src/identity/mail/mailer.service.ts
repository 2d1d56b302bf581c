import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import type { Logger } from 'winston';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { GatewayConfig } from '../../config/config.schema';
import { logTransport } from './log-transport';
import type { OutgoingMail } from './templates';

type MailConfig = Pick<GatewayConfig, 'SMTP_URL' | 'MAIL_FROM' | 'NODE_ENV'>;

/** How long to wait for an SMTP server before giving a mail up (it is logged; the user can ask again). */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends the gateway's mails from `MAIL_FROM`: over SMTP when `SMTP_URL` is set (`smtp://` upgrades
 * with STARTTLS when the server offers it, `smtps://` is TLS from the start), otherwise into the
 * service log. Sending happens after the database work is committed and never fails the request:
 * a failed send is logged, the account and its token stay, and the user can ask for the mail again.
 */
@Injectable()
export class Mailer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly transport: Transporter;
  private readonly pending = new Set<Promise<boolean>>();

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: MailConfig,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {
    const defaults = { from: config.MAIL_FROM };
    this.transport = config.SMTP_URL ? createTransport({ url: config.SMTP_URL, ...SMTP_TIMEOUTS }, defaults) : createTransport(logTransport(logger, { revealTokens: config.NODE_ENV !== 'production' }), defaults);
  }

  onApplicationBootstrap(): void {
    if (!this.config.SMTP_URL && this.config.NODE_ENV === 'production') {
      this.logger.warn('Mail is not configured (SMTP_URL is not set): verification and password-reset mails are only written to the log');
    }
  }

  /** Sends `mail` now; resolves to false (after logging why) when it could not be sent. */
  async send(mail: OutgoingMail): Promise<boolean> {
    try {
      await this.transport.sendMail(mail);
      return true;
    } catch (error) {
      this.logger.error(`Could not send the mail "${mail.subject}" to ${mail.to}: ${(error as Error).message}`, { mail: { to: mail.to, subject: mail.subject } });
      return false;
    }
  }

  /**
   * Sends `mail` without making the caller wait, so that a slow SMTP server does not slow the
   * request and answers take the same time whether a mail goes out or not. Shutdown waits for it.
   */
  sendInBackground(mail: OutgoingMail): void {
    const sending = this.send(mail);
    this.pending.add(sending);
    void sending.finally(() => this.pending.delete(sending));
  }

  /**
   * Prepares a mail after the answer has gone (looking up the account, storing its token) and
   * sends it, so the answer takes the same time whether the address has an account or not.
   * `prepare` resolves to the mail, or to undefined when none is due. Shutdown waits for it.
   */
  prepareInBackground(what: string, prepare: () => Promise<OutgoingMail | undefined>): void {
    const sending = new Promise<void>((resolve) => setImmediate(resolve))
      .then(prepare)
      .then((mail) => (mail ? this.send(mail) : false))
      .catch((error: Error) => {
        this.logger.error(`Could not prepare the ${what} mail: ${error.message}`, { stack: error.stack });
        return false;
      });
    this.pending.add(sending);
    void sending.finally(() => this.pending.delete(sending));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.transport.close();
  }
}
