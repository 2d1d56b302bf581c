import { Injectable, Module } from '@nestjs/common';
import { ApiKeyAuthenticator } from '../access/authenticators';
import type { Principal } from '../access/principal';
import { unauthenticated } from '../access/problems';

@Injectable()
class NoApiKeys extends ApiKeyAuthenticator {
  async authenticate(): Promise<Principal> {
    throw unauthenticated('Unknown API key');
  }
}

@Module({
  providers: [{ provide: ApiKeyAuthenticator, useClass: NoApiKeys }],
  exports: [ApiKeyAuthenticator],
})
export class ApiKeysModule {}
