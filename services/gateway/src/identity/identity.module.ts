import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AccountsRepository } from './accounts.repository';
import { Mailer } from './mail/mailer.service';
import { MailThrottle } from './mail-throttle';
import { OneTimeTokens } from './one-time-tokens';
import { PasswordController } from './password.controller';
import { PasswordService } from './password.service';
import { ProfileController } from './profile.controller';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';
import './problems';

/** Accounts: registration, email verification, password reset, the caller's profile, and the mails they send. */
@Module({
  imports: [AuthModule],
  controllers: [RegistrationController, PasswordController, ProfileController],
  providers: [RegistrationService, PasswordService, AccountsRepository, OneTimeTokens, MailThrottle, Mailer],
  exports: [Mailer],
})
export class IdentityModule {}
