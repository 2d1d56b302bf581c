import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { SessionController } from './session.controller';
import { SessionService } from './session.service';
import { SessionsRepository } from './sessions.repository';

/** Login, refresh-token rotation, logout and the session list. */
@Module({
  imports: [AuthModule],
  controllers: [SessionController],
  providers: [SessionService, SessionsRepository],
})
export class SessionsModule {}
