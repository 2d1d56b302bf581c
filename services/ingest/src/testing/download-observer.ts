import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import { MESSAGE_TYPES, type IngestProgress, type RecordingDownloaded, type StageStatusChanged, type TrimRecording } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';

/** What the observer saw, in order of arrival (one set per test file: jest gives each file its own modules). */
export const observed = {
  trims: [] as TrimRecording[],
  downloaded: [] as RecordingDownloaded[],
  stages: [] as StageStatusChanged[],
  progress: [] as IngestProgress[],
};

/** Plays media-processing (takes the trim the pipeline asks for next, and notes it) and watches what ingest publishes of a download. */
@Injectable()
class DownloadObserver {
  @MessageHandler(MESSAGE_TYPES.media.TrimRecording, { queue: 'fake.media' })
  async trim(ctx: MessageContext<TrimRecording>): Promise<void> {
    observed.trims.push(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDownloaded, { queue: 'fake.observer' })
  async downloaded(ctx: MessageContext<RecordingDownloaded>): Promise<void> {
    observed.downloaded.push(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.StageStatusChanged, { queue: 'fake.observer' })
  async stage(ctx: MessageContext<StageStatusChanged>): Promise<void> {
    observed.stages.push(ctx.data);
  }

  @MessageHandler(MESSAGE_TYPES.ingest.IngestProgress, { queue: 'fake.observer' })
  async progress(ctx: MessageContext<IngestProgress>): Promise<void> {
    observed.progress.push(ctx.data);
  }
}

@Module({ providers: [DownloadObserver] })
class DownloadObserverModule {}

/** The observer as a service a test world starts beside ingest. */
export const downloadObserver: ServiceDefinition = {
  name: 'media-processing',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [
    { queue: 'fake.media', types: [MESSAGE_TYPES.media.TrimRecording] },
    { queue: 'fake.observer', types: [MESSAGE_TYPES.ingest.RecordingDownloaded, MESSAGE_TYPES.ingest.StageStatusChanged, MESSAGE_TYPES.ingest.IngestProgress] },
  ],
  imports: [DownloadObserverModule],
};
