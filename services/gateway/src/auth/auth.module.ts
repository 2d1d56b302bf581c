import { Module } from '@nestjs/common';
import { AccessTokenAuthenticator } from '../access/authenticators';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAccessTokenAuthenticator } from './jwt-access-token.authenticator';
import { PasswordHasher } from './password-hasher.service';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';

@Module({
  controllers: [AuthController],
  providers: [
    AuthService,
    UsersRepository,
    TokenService,
    { provide: PasswordHasher, useValue: new PasswordHasher() },
    { provide: AccessTokenAuthenticator, useClass: JwtAccessTokenAuthenticator },
  ],
  exports: [TokenService, UsersRepository, AccessTokenAuthenticator],
})
export class AuthModule {}
