import { Module } from '@nestjs/common';
import { AccessTokenAuthenticator } from '../access/authenticators';
import { JwtAccessTokenAuthenticator } from './jwt-access-token.authenticator';
import { PasswordHasher } from './password-hasher.service';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';

/** What identity, sessions, API keys and the access guard share: users, password hashes, tokens. */
@Module({
  providers: [
    UsersRepository,
    TokenService,
    { provide: PasswordHasher, useValue: new PasswordHasher() },
    { provide: AccessTokenAuthenticator, useClass: JwtAccessTokenAuthenticator },
  ],
  exports: [TokenService, UsersRepository, PasswordHasher, AccessTokenAuthenticator],
})
export class AuthModule {}
