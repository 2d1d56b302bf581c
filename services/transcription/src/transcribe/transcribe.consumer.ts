import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, PipelineStage, type RecordingTranscribed, type TranscribeRecording } from '@leap/contracts';
import { JobHandler, JobsRuntime, runStageJob, stageFailed, type JobCommit, type JobContext, type JobFailure, type JobProgress } from '@leap/jobs';
import { MessageBus, MessageHandler, type MessageContext } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { reportStageFailure, stageProgress, TRANSCRIPTION_AREA } from '../stage-failure';
import { ChunkResultsRepository } from '../chunking/chunk-results.repository';
import { TranscribeService } from './transcribe.service';
import { TranscriptionQuota } from './transcription-quota';

export const TRANSCRIBE_QUEUE = 'transcription.transcribe';
export const TRANSCRIBE_JOB = 'transcription.transcribe';

/** `transcription.recording.transcribe.v1`, accepted as a job; the recognition runs with no transaction open and no delivery held. */
@Injectable()
export class TranscribeConsumer {
  constructor(
    private readonly transcribe: TranscribeService,
    private readonly jobs: JobsRuntime,
    private readonly bus: MessageBus,
    private readonly chunks: ChunkResultsRepository,
    private readonly quota: TranscriptionQuota,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
  ) {}

  @MessageHandler(MESSAGE_TYPES.transcription.TranscribeRecording, { queue: TRANSCRIBE_QUEUE })
  async accept(ctx: MessageContext<TranscribeRecording>): Promise<void> {
    await this.jobs.enqueue(ctx, TRANSCRIBE_JOB, { subject: ctx.data.recordingId, tenant: ctx.data.userId });
  }

  @JobHandler(TRANSCRIBE_JOB, { onFailed: 'failed', onProgress: 'progress' })
  run(job: JobContext<TranscribeRecording>): Promise<JobCommit> {
    return runStageJob(job, reportStageFailure(PipelineStage.TRANSCRIBE, this.logger), async () => {
      // The plan's monthly transcriptions, before any provider is called: over it the stage fails (QUOTA.EXCEEDED).
      await this.quota.admit(job.data.userId);
      this.logger.info(`transcribing recording ${job.data.recordingId}`, { recordingId: job.data.recordingId, jobId: job.id, attempt: job.attempt });
      const { master, ref } = await this.transcribe.transcribe(job.data, { signal: job.signal, onProgress: (percent, step) => job.progress(percent, step) });
      const event: RecordingTranscribed = {
        recordingId: job.data.recordingId,
        userId: job.data.userId,
        master: ref,
        language: master.language,
        wordCount: master.stats.wordCount,
        durationSeconds: master.durationSeconds,
        usage: (master.usage ?? []).map((u) => ({ provider: u.provider, model: u.model, audioSeconds: u.audioSeconds, chunks: u.chunks })),
        ...(master.quality ? { quality: { suspect: master.quality.suspect, flags: master.quality.flags.map((f) => f.code) } } : {}),
      };
      // The finished chunks are kept until the transcript commits, and no longer.
      return async (ctx) => {
        await this.chunks.forget(ctx.manager, job.data.recordingId);
        await ctx.publish(MESSAGE_TYPES.transcription.RecordingTranscribed, event, { subject: job.data.recordingId });
      };
    });
  }

  async failed(ctx: MessageContext<TranscribeRecording>, failure: JobFailure): Promise<void> {
    await stageFailed(ctx, TRANSCRIPTION_AREA, failure, reportStageFailure(PipelineStage.TRANSCRIBE, this.logger));
  }

  progress(job: JobContext<TranscribeRecording>, progress: JobProgress): Promise<void> {
    return stageProgress(this.bus, job, PipelineStage.TRANSCRIBE, progress);
  }
}
