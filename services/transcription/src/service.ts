import type { ServiceDefinition } from '@leap/platform';
import { MessageTypes } from '@leap/contracts';
import { transcriptionConfigSchema } from './config/config.schema';
import { SUBTITLES_QUEUE } from './subtitles/subtitles.consumer';
import { TOPICS_QUEUE } from './topics/topics.consumer';
import { TRANSCRIBE_QUEUE } from './transcribe/transcribe.consumer';
import { TranscriptionModule } from './transcription.module';

/** The transcription service as the platform runs it: its config, schema, consumers and features. */
export const transcriptionService: ServiceDefinition = {
  name: 'transcription',
  configSchema: transcriptionConfigSchema,
  consumers: [
    // Recognition takes minutes and a whole core: one at a time per replica.
    { queue: TRANSCRIBE_QUEUE, types: [MessageTypes.transcription.TranscribeRecording], prefetch: 1 },
    { queue: TOPICS_QUEUE, types: [MessageTypes.transcription.ExtractTopics], prefetch: 4 },
    { queue: SUBTITLES_QUEUE, types: [MessageTypes.transcription.GenerateSubtitles], prefetch: 4 },
  ],
  imports: [TranscriptionModule],
  entities: [],
  migrations: [],
};
