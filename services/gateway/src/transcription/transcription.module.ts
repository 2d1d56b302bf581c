import { Module } from '@nestjs/common';
import { TranscriptionCredentialsController } from './transcription-credentials.controller';

/** Routes the transcription service answers outside a recording: tenants' own provider keys. */
@Module({ controllers: [TranscriptionCredentialsController] })
export class TranscriptionModule {}
