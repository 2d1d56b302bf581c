import { Module } from '@nestjs/common';
import './problems';
import { PresetsController } from './presets.controller';
import { UploadsController } from './uploads.controller';
import { RecordingsModule } from '../recordings/recordings.module';
import { PublishingClient } from './publishing.client';

/** Routes the publishing service answers: output presets and uploads (credentials: CredentialsModule). */
@Module({ imports: [RecordingsModule], controllers: [PresetsController, UploadsController], providers: [PublishingClient], exports: [PublishingClient] })
export class PublishingModule {}
