import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { LeapError } from '@leap/errors';
import { MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG } from '@leap/platform';
import { MESSAGE_TYPES, type UserRegistered } from '@leap/contracts';
import { PasswordHasher } from '../auth/password-hasher.service';
import type { GatewayConfig } from '../config/config.schema';
import { AccountsRepository } from './accounts.repository';
import type { RegisterDto } from './identity.dto';
import { mailLink } from './links';
import { MailThrottle } from './mail-throttle';
import { Mailer } from './mail/mailer.service';
import { verificationMail } from './mail/templates';
import { OneTimeTokens, tokenHash } from './one-time-tokens';
import { tokenInvalid } from './problems';

type RegistrationConfig = Pick<GatewayConfig, 'AUTH_REQUIRE_VERIFIED_EMAIL' | 'ADMIN_EMAILS' | 'EMAIL_VERIFICATION_TTL' | 'PUBLIC_BASE_URL'>;

/** The answer to a resend request: the same whatever the address, so it tells nobody who is registered. */
export const RESEND_ACCEPTED = {
  accepted: true as const,
  message: 'If an account with this address is waiting for verification, a new verification mail is on its way.',
};

/**
 * Registration and email verification. A new account gets a verification mail (sent after the
 * account is committed); following its link verifies the address. When the deployment does not
 * require verification (`AUTH_REQUIRE_VERIFIED_EMAIL=false`) accounts are verified at once.
 */
@Injectable()
export class RegistrationService {
  private readonly adminEmails: ReadonlySet<string>;

  constructor(
    private readonly accounts: AccountsRepository,
    private readonly tokens: OneTimeTokens,
    private readonly throttle: MailThrottle,
    private readonly mailer: Mailer,
    private readonly hasher: PasswordHasher,
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: RegistrationConfig,
  ) {
    this.adminEmails = new Set(config.ADMIN_EMAILS.map((e) => e.trim().toLowerCase()));
  }

  async register(input: RegisterDto): Promise<{ id: string; email: string; emailVerified: boolean }> {
    const verified = !this.config.AUTH_REQUIRE_VERIFIED_EMAIL;
    const account = {
      id: uuidv7(),
      email: input.email,
      passwordHash: await this.hasher.hash(input.password),
      fullName: input.fullName,
      role: this.adminEmails.has(input.email) ? ('admin' as const) : ('user' as const),
      createdAt: new Date(),
      verified,
    };
    const outcome = await this.accounts.transaction(async (manager) => {
      if (!(await this.accounts.create(manager, account))) return { created: false as const };
      const event: UserRegistered = { userId: account.id, email: account.email, registeredAt: account.createdAt.toISOString() };
      await this.bus.publish(manager, MESSAGE_TYPES.gateway.UserRegistered, event, { subject: account.id, tenant: account.id });
      const token = verified ? undefined : await this.tokens.issue(manager, account.id, 'verify-email', this.config.EMAIL_VERIFICATION_TTL);
      return { created: true as const, token };
    });
    if (!outcome.created) throw new LeapError('AUTH.EMAIL_TAKEN', 'An account with this email already exists', { status: 409 });
    if (outcome.token) this.sendVerification(account.email, outcome.token);
    return { id: account.id, email: account.email, emailVerified: verified };
  }

  /**
   * Verifies the address the token was sent to. Following the same link again answers the same
   * (mail clients and link scanners open links more than once); unknown or expired tokens are 400.
   */
  async verifyEmail(token: string): Promise<{ verified: true; email: string }> {
    return this.accounts.transaction(async (manager) => {
      const rows: { tokenId: string; userId: string; email: string }[] = await manager.query(
        `SELECT t.id AS "tokenId", u.id AS "userId", u.email
         FROM auth_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.purpose = 'verify-email' AND t.expires_at > now()
         FOR UPDATE OF t`,
        [tokenHash(token)],
      );
      const found = rows[0];
      if (!found) throw tokenInvalid('verification');
      await manager.query(`UPDATE auth_tokens SET used_at = coalesce(used_at, now()) WHERE id = $1`, [found.tokenId]);
      await this.accounts.markVerified(manager, found.userId);
      return { verified: true as const, email: found.email };
    });
  }

  /** Sends a fresh verification mail to an unverified account; the answer is the same for any address. */
  async resendVerification(email: string): Promise<typeof RESEND_ACCEPTED> {
    await this.throttle.claim(email, 'verify-email');
    // As for forgotten passwords: nothing that depends on the account happens before the answer.
    this.mailer.prepareInBackground('verification', async () => {
      const recipient = await this.accounts.recipient(email);
      if (!recipient || !recipient.isActive || recipient.emailVerified) return undefined;
      const token = await this.accounts.transaction((manager) => this.tokens.issue(manager, recipient.id, 'verify-email', this.config.EMAIL_VERIFICATION_TTL));
      return verificationMail(recipient.email, mailLink(this.config.PUBLIC_BASE_URL, 'verify-email', token), this.config.EMAIL_VERIFICATION_TTL);
    });
    return RESEND_ACCEPTED;
  }

  private sendVerification(email: string, token: string): void {
    const link = mailLink(this.config.PUBLIC_BASE_URL, 'verify-email', token);
    this.mailer.sendInBackground(verificationMail(email, link, this.config.EMAIL_VERIFICATION_TTL));
  }
}
