import { Module } from '@nestjs/common';
import { registerProblemTitles } from '../common/problem-details';
import { PublishingModule } from '../publishing/publishing.module';
import { RecordingsModule } from '../recordings/recordings.module';
import { RecordingConfigController } from './recording-config.controller';
import { TemplatePreviewController } from './template-preview.controller';
import { TemplatesClient } from './templates.client';
import { TemplatesController } from './templates.controller';

registerProblemTitles({
  'TEMPLATE.NOT_FOUND': 'Template not found',
  'TEMPLATE.INVALID': 'The template is not valid',
  'TEMPLATE.DUPLICATE': 'A template with that name already exists',
  'TEMPLATE.IS_DEFAULT': 'The default template cannot be deleted',
  'RECORDING_CONFIG.INVALID': 'The recording config is not valid',
});

/** `/api/v1/templates` (with its render preview, rendered by publishing), `/api/v1/config/resolve` and `/api/v1/recordings/{id}/config`: templates and config layers, kept by ingest. */
@Module({ imports: [RecordingsModule, PublishingModule], controllers: [TemplatePreviewController, TemplatesController, RecordingConfigController], providers: [TemplatesClient] })
export class TemplatesModule {}
