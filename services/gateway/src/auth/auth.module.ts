import { Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BearerAuthGuard } from './auth.guard';
import { PasswordHasher } from './password-hasher.service';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';

@Module({
  controllers: [AuthController],
  providers: [AuthService, UsersRepository, TokenService, BearerAuthGuard, { provide: PasswordHasher, useValue: new PasswordHasher() }],
  exports: [TokenService, BearerAuthGuard],
})
export class AuthModule {}
