import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';

/** Accounts: registration, email verification, password reset, the caller's profile. */
@Module({
  imports: [AuthModule],
  controllers: [RegistrationController],
  providers: [RegistrationService],
})
export class IdentityModule {}
