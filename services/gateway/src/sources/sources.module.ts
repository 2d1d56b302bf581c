import { Module } from '@nestjs/common';
import { registerProblemTitles } from '../common/problem-details';
import { SourcesController } from './sources.controller';
import { SourcesClient } from './sources.service';

registerProblemTitles({
  'SOURCE.NOT_FOUND': 'Source not found',
  'SOURCE.INVALID': 'The source is not valid for its platform',
  'SOURCE.DUPLICATE': 'A source with that name already exists',
  'SOURCE.INACTIVE': 'The source is not active',
  'SOURCE.NOT_SYNCABLE': 'The source has nothing to sync',
  'SYNC.NOT_FOUND': 'Sync not found',
});

/** `/api/v1/sources`: input sources and their syncs, kept by ingest. */
@Module({ controllers: [SourcesController], providers: [SourcesClient] })
export class SourcesModule {}
