import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@leap/platform';
import type { PublishingConfig } from '../config/config.schema';
import { CREDENTIAL_VAULT, CredentialVault } from './credential-vault';
import { CredentialsConsumer } from './credentials.consumer';
import { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';
import { PlatformsModule } from '../platforms/platforms.module';

/** Platform credentials: tokens sealed at rest, created from tokens the gateway sealed in transit. */
@Module({
  imports: [PlatformsModule],
  providers: [
    CredentialsRepository,
    CredentialsService,
    CredentialsConsumer,
    { provide: CREDENTIAL_VAULT, inject: [SERVICE_CONFIG], useFactory: (config: PublishingConfig) => new CredentialVault(config) },
  ],
  exports: [CredentialsRepository, CREDENTIAL_VAULT],
})
export class CredentialsModule {}
