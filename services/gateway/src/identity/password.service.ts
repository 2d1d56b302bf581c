import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leap/platform';
import { PasswordHasher } from '../auth/password-hasher.service';
import { unauthenticated } from '../access/problems';
import type { GatewayConfig } from '../config/config.schema';
import { AccountsRepository } from './accounts.repository';
import type { ChangePasswordDto, ResetPasswordDto } from './identity.dto';
import { mailLink } from './links';
import { MailThrottle } from './mail-throttle';
import { Mailer } from './mail/mailer.service';
import { passwordResetMail } from './mail/templates';
import { OneTimeTokens } from './one-time-tokens';
import { tokenInvalid, wrongCurrentPassword } from './problems';

type PasswordConfig = Pick<GatewayConfig, 'PASSWORD_RESET_TTL' | 'PUBLIC_BASE_URL'>;

/** The answer to a forgotten-password request: the same whatever the address. */
export const RESET_ACCEPTED = {
  accepted: true as const,
  message: 'If an account with this address exists, a mail with a link to choose a new password is on its way.',
};

/**
 * Passwords: the forgotten-password mail, resetting with its token, and changing the password
 * when the current one is known. A new password signs the user out everywhere.
 */
@Injectable()
export class PasswordService {
  constructor(
    private readonly accounts: AccountsRepository,
    private readonly tokens: OneTimeTokens,
    private readonly throttle: MailThrottle,
    private readonly mailer: Mailer,
    private readonly hasher: PasswordHasher,
    @Inject(SERVICE_CONFIG) private readonly config: PasswordConfig,
  ) {}

  /**
   * Mails a reset link to the address when it has an active account. The answer is the same for
   * any address and takes the same time: only the cooldown, which every address has, is claimed
   * before it; the account is looked up and its token stored after it.
   */
  async forgotPassword(email: string): Promise<typeof RESET_ACCEPTED> {
    await this.throttle.claim(email, 'reset-password');
    this.mailer.prepareInBackground('password-reset', async () => {
      const recipient = await this.accounts.recipient(email);
      if (!recipient || !recipient.isActive) return undefined;
      const token = await this.accounts.transaction((manager) => this.tokens.issue(manager, recipient.id, 'reset-password', this.config.PASSWORD_RESET_TTL));
      return passwordResetMail(recipient.email, mailLink(this.config.PUBLIC_BASE_URL, 'reset-password', token), this.config.PASSWORD_RESET_TTL);
    });
    return RESET_ACCEPTED;
  }

  /**
   * Sets a new password with a reset token (once). The address counts as verified afterwards:
   * the user has just proved they read its mail.
   */
  async resetPassword(input: ResetPasswordDto): Promise<void> {
    // Refuse dead tokens before paying for a password hash.
    if (!(await this.tokens.isLive(input.token, 'reset-password'))) throw tokenInvalid('password reset');
    const passwordHash = await this.hasher.hash(input.newPassword);
    await this.accounts.transaction(async (manager) => {
      const userId = await this.tokens.consume(manager, input.token, 'reset-password');
      if (!userId) throw tokenInvalid('password reset');
      await this.accounts.replacePassword(manager, userId, passwordHash, 'password-reset');
      await this.accounts.markVerified(manager, userId);
    });
  }

  /** Changes the caller's password after checking the current one (401 `AUTH.INVALID_CREDENTIALS` when wrong). */
  async changePassword(userId: string, input: ChangePasswordDto): Promise<void> {
    const stored = await this.accounts.passwordHash(userId);
    if (stored === undefined) throw unauthenticated();
    if (!(await this.hasher.verify(input.currentPassword, stored))) throw wrongCurrentPassword();
    const passwordHash = await this.hasher.hash(input.newPassword);
    await this.accounts.transaction((manager) => this.accounts.replacePassword(manager, userId, passwordHash, 'password-change'));
  }
}
