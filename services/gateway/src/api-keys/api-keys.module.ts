import { Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../access/authenticators';
import { DatabaseApiKeyAuthenticator } from './api-key.authenticator';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { SessionCredentialGuard } from '../access/session-credential.guard';

/** API keys: their management API (for signed-in users) and the authenticator the access guard uses. */
@Module({
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService, SessionCredentialGuard, { provide: ApiKeyAuthenticator, useClass: DatabaseApiKeyAuthenticator }],
  exports: [ApiKeyAuthenticator],
})
export class ApiKeysModule {}
