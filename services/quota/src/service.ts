import { MESSAGE_TYPES } from '@leap/contracts';
import type { ServiceDefinition } from '@leap/platform';
import { QUOTA_ADMISSION_QUEUE, QUOTA_RESERVATIONS_QUEUE, QUOTA_USAGE_QUEUE } from './admission/quota.consumer';
import { quotaConfigSchema } from './config/config.schema';
import { quotaMigrations } from './migrations';
import { QuotaModule } from './quota.module';

/** The quota service as the platform runs it: its config, schema, consumers and features. */
export const quotaService: ServiceDefinition = {
  name: 'quota',
  configSchema: quotaConfigSchema,
  consumers: [
    { queue: QUOTA_ADMISSION_QUEUE, types: [MESSAGE_TYPES.quota.ReserveRecording, MESSAGE_TYPES.quota.GetAutomationLimits, MESSAGE_TYPES.quota.CheckUsage] },
    { queue: QUOTA_RESERVATIONS_QUEUE, types: [MESSAGE_TYPES.quota.ReleaseReservation] },
    { queue: QUOTA_USAGE_QUEUE, types: [MESSAGE_TYPES.ingest.RecordingRegistered, MESSAGE_TYPES.storage.StorageUsageChanged, MESSAGE_TYPES.transcription.RecordingTranscribed, MESSAGE_TYPES.ingest.PipelineStarted] },
  ],
  imports: [QuotaModule],
  entities: [],
  migrations: quotaMigrations,
};
