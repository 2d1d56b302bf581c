import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leap/platform';
import type { GatewayConfig } from '../config/config.schema';
import { AccessTokenAuthenticator, StreamTokenAuthenticator } from '../access/authenticators';
import { JwtAccessTokenAuthenticator } from './jwt-access-token.authenticator';
import { PasswordHasher } from './password-hasher.service';
import { TokenService } from './token.service';
import { UsersRepository } from './users.repository';
import { StreamTokens } from './stream-tokens';
import { SignedStreamTokenAuthenticator } from './stream-token.authenticator';

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
    StreamTokens,
    { provide: StreamTokenAuthenticator, useClass: SignedStreamTokenAuthenticator },
  ],
  exports: [TokenService, UsersRepository, PasswordHasher, AccessTokenAuthenticator, StreamTokens, StreamTokenAuthenticator],
})
export class AuthModule {}
