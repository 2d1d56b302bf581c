import { Module } from '@nestjs/common';
import { MetadataTemplates } from '../templating/template-engine';
import { CredentialsModule } from '../credentials/credentials.module';
import { CredentialsRepository } from '../credentials/credentials.repository';
import { CREDENTIAL_CHECK } from './credential-check';
import { PresetsConsumer } from './presets.consumer';
import { PresetsRepository } from './presets.repository';
import { PresetsService } from './presets.service';

/** Output presets and the metadata templates they hold. */
@Module({
  imports: [CredentialsModule],
  providers: [
    PresetsRepository,
    PresetsService,
    PresetsConsumer,
    { provide: MetadataTemplates, useFactory: () => new MetadataTemplates() },
    { provide: CREDENTIAL_CHECK, useExisting: CredentialsRepository },
  ],
  exports: [MetadataTemplates, PresetsRepository],
})
export class PresetsModule {}
