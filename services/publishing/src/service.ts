import type { ServiceDefinition } from '@leap/platform';
import { publishingConfigSchema } from './config/config.schema';
import { publishingMigrations } from './migrations';
import { PublicationEntity } from './publications/publication.entity';
import { PublicationsModule } from './publications/publications.module';
import { PresetsModule } from './presets/presets.module';
import { PRESET_QUERIES } from './presets/presets.consumer';
import { REQUESTS_QUEUE } from './requests';
import { TARGET_QUERIES } from './targets/targets.consumer';
import { CredentialsModule } from './credentials/credentials.module';
import { CREDENTIAL_QUERIES } from './credentials/credentials.consumer';
import { MESSAGE_TYPES } from '@leap/contracts';
import type { PublishingConfig } from './config/config.schema';
import { PUBLISHING_CONTROL_QUEUE } from './publications/jobs-control.consumer';
import { PUBLISH, PUBLISH_JOB, UPLOADS_QUEUE } from './publications/publish.consumer';
import { RETRACT, RETRACT_JOB } from './publications/retract.consumer';

/** The publishing service as the platform runs it: its config, schema, consumers and features. */
export const publishingService: ServiceDefinition = {
  name: 'publishing',
  configSchema: publishingConfigSchema,
  consumers: [
    // Accepting a publish is one short transaction (the job row); the upload runs as a job.
    { queue: UPLOADS_QUEUE, types: [PUBLISH, RETRACT] },
    {
      queue: PUBLISHING_CONTROL_QUEUE,
      types: [MESSAGE_TYPES.ingest.RecordingPaused, MESSAGE_TYPES.ingest.RecordingDeleted, MESSAGE_TYPES.ingest.RecordingPurged, MESSAGE_TYPES.publishing.ListPublishingJobs],
    },
    // Preset, credential, upload and target routes of the gateway, answered at once (request/reply).
    { queue: REQUESTS_QUEUE, types: [...PRESET_QUERIES, ...CREDENTIAL_QUERIES, MESSAGE_TYPES.publishing.ConnectAccount, ...TARGET_QUERIES] },
  ],
  jobs: [
    { kind: PUBLISH_JOB, concurrency: (config: PublishingConfig) => config.PUBLISHING_CONCURRENCY },
    { kind: RETRACT_JOB, concurrency: (config: PublishingConfig) => config.PUBLISHING_CONCURRENCY },
  ],
  imports: [CredentialsModule, PresetsModule, PublicationsModule],
  entities: [PublicationEntity],
  migrations: publishingMigrations,
};
