import { Module } from '@nestjs/common';
import { registerProblemTitles } from '../common/problem-details';
import { SourcesController } from './sources.controller';
import { SourcesClient } from './sources.service';
import { ZoomWebhookController } from './zoom-webhook.controller';

registerProblemTitles({
  'SOURCE.NOT_FOUND': 'Source not found',
  'SOURCE.INVALID': 'The source is not valid for its platform',
  'SOURCE.DUPLICATE': 'A source with that name already exists',
  'SOURCE.INACTIVE': 'The source is not active',
  'SOURCE.NOT_SYNCABLE': 'The source has nothing to sync',
  'SYNC.NOT_FOUND': 'Sync not found',
  'ZOOM_WEBHOOK.INVALID': 'Not a Zoom event',
  'ZOOM_WEBHOOK.STALE_TIMESTAMP': 'The Zoom webhook is too old',
  'ZOOM_WEBHOOK.SIGNATURE_INVALID': 'The Zoom webhook signature does not match',
});

/** `/api/v1/sources`: input sources and their syncs, kept by ingest; `/api/v1/webhooks/zoom`: Zoom's events for them. */
@Module({ controllers: [SourcesController, ZoomWebhookController], providers: [SourcesClient] })
export class SourcesModule {}
