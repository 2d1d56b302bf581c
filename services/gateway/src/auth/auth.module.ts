import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
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
    {
      provide: PasswordHasher,
      inject: [SERVICE_CONFIG],
      useFactory: (config: GatewayConfig) => new PasswordHasher({ memoryKib: config.PASSWORD_HASH_MEMORY_KIB, passes: config.PASSWORD_HASH_PASSES }),
    },
    { provide: AccessTokenAuthenticator, useClass: JwtAccessTokenAuthenticator },
  ],
  exports: [TokenService, UsersRepository, PasswordHasher, AccessTokenAuthenticator],
})
export class AuthModule {}
