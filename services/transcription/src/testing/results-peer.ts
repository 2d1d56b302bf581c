import { Injectable, Module } from '@nestjs/common';
import { z } from 'zod';
import { baseConfigSchema } from '@leap/config';
import {
  MESSAGE_TYPES,
  type RecordingTranscribed,
  type SubtitlesGenerated,
  type TopicsExtracted,
  type TranscriptionFailed,
  type TranscriptionProgress,
} from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import type { ServiceDefinition } from '@leap/platform';

const T = MESSAGE_TYPES.transcription;
const RESULTS_QUEUE = 'ingest.transcription-results';
const PROGRESS_QUEUE = 'gateway.transcription-progress';

/** What the transcription service published, in order of arrival (one set per test file: jest gives each file its own modules). */
export const observed = {
  /** Every result, with its type. */
  received: [] as Array<{ type: string; data: unknown }>,
  transcribed: [] as RecordingTranscribed[],
  failed: [] as TranscriptionFailed[],
  /** Progress ticks, each at the time it was published (the envelope's), not when it arrived. */
  progress: [] as Array<{ recordingId: string; percent: number; step?: string; at: number }>,
};

/** The results of `type` about one recording, oldest first. */
export const resultsOf = <D>(type: string, recordingId: string): D[] =>
  observed.received.filter((r) => r.type === type && (r.data as { recordingId: string }).recordingId === recordingId).map((r) => r.data as D);

/** Plays ingest and the gateway's read model for the transcription service's tests: records its results and progress. */
@Injectable()
class ResultsRecorder {
  private record(ctx: MessageContext<unknown>): void {
    observed.received.push({ type: ctx.envelope.type, data: ctx.data });
  }

  @MessageHandler(T.RecordingTranscribed, { queue: RESULTS_QUEUE })
  async transcribed(ctx: MessageContext<RecordingTranscribed>): Promise<void> {
    this.record(ctx);
    observed.transcribed.push(ctx.data);
  }

  @MessageHandler(T.TopicsExtracted, { queue: RESULTS_QUEUE })
  async topics(ctx: MessageContext<TopicsExtracted>): Promise<void> {
    this.record(ctx);
  }

  @MessageHandler(T.SubtitlesGenerated, { queue: RESULTS_QUEUE })
  async subtitles(ctx: MessageContext<SubtitlesGenerated>): Promise<void> {
    this.record(ctx);
  }

  @MessageHandler(T.TranscriptionFailed, { queue: RESULTS_QUEUE })
  async failed(ctx: MessageContext<TranscriptionFailed>): Promise<void> {
    this.record(ctx);
    observed.failed.push(ctx.data);
  }

  @MessageHandler(T.TranscriptionProgress, { queue: PROGRESS_QUEUE })
  async progress(ctx: MessageContext<TranscriptionProgress>): Promise<void> {
    observed.progress.push({ recordingId: ctx.data.recordingId, percent: ctx.data.percent ?? 0, step: ctx.data.step, at: Date.parse(ctx.envelope.time) });
  }
}

@Module({ providers: [ResultsRecorder] })
class ResultsRecorderModule {}

/** The recorder as a service a test world starts beside the transcription service. */
export const resultsPeer: ServiceDefinition = {
  name: 'ingest',
  configSchema: baseConfigSchema.extend({ PORT: z.coerce.number().default(0) }),
  consumers: [
    { queue: RESULTS_QUEUE, types: [T.RecordingTranscribed, T.TopicsExtracted, T.SubtitlesGenerated, T.TranscriptionFailed] },
    { queue: PROGRESS_QUEUE, types: [T.TranscriptionProgress] },
  ],
  imports: [ResultsRecorderModule],
};
