import { Module } from '@nestjs/common';
import { registerProblemTitles } from '../common/problem-details';
import { RecordingConfigController } from './recording-config.controller';
import { TemplatesClient } from './templates.client';
import { TemplatesController } from './templates.controller';

registerProblemTitles({
  'TEMPLATE.NOT_FOUND': 'Template not found',
  'TEMPLATE.INVALID': 'The template is not valid',
  'TEMPLATE.DUPLICATE': 'A template with that name already exists',
  'TEMPLATE.IS_DEFAULT': 'The default template cannot be deleted',
  'RECORDING_CONFIG.INVALID': 'The recording config is not valid',
});

/** `/api/v1/templates`, `/api/v1/config/resolve` and `/api/v1/recordings/{id}/config`: templates and config layers, kept by ingest. */
@Module({ controllers: [TemplatesController, RecordingConfigController], providers: [TemplatesClient] })
export class TemplatesModule {}
