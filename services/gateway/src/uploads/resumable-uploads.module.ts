import { Module } from '@nestjs/common';
import { RecordingsModule } from '../recordings/recordings.module';
import { ResumableUploadsController } from './resumable-uploads.controller';
import { ResumableUploadsRepository } from './resumable-uploads.repository';
import { ResumableUploadsService } from './resumable-uploads.service';
import { ResumableUploadsSweep } from './resumable-uploads.sweep';
import './problems';

/** Resumable uploads through the tus protocol, and the sweep that removes abandoned ones. */
@Module({
  imports: [RecordingsModule],
  controllers: [ResumableUploadsController],
  providers: [ResumableUploadsRepository, ResumableUploadsService, ResumableUploadsSweep],
  exports: [ResumableUploadsSweep, ResumableUploadsService],
})
export class ResumableUploadsModule {}
