import { Module } from '@nestjs/common';
import '../publishing/problems';
import './problems';
import { PublishingModule } from '../publishing/publishing.module';
import { CredentialsController } from './credentials.controller';
import { CredentialsService } from './credentials.service';

/** `/api/v1/credentials`: each call routed to the service that keeps the credential (ingest or publishing). */
@Module({ imports: [PublishingModule], controllers: [CredentialsController], providers: [CredentialsService] })
export class CredentialsModule {}
