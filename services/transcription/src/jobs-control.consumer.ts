import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type ListTranscriptionJobs, type RecordingDeleted, type RecordingPaused, type TranscriptionJobsPage } from '@leap/contracts';
import { cancelRecordingJobs, JobsRuntime, listJobsReply } from '@leap/jobs';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { ChunkResultsRepository } from './chunking/chunk-results.repository';

export const TRANSCRIPTION_CONTROL_QUEUE = 'transcription.job-control';

/** Cancels a recording's jobs when it is paused or deleted, and answers operators about the jobs. */
@Injectable()
export class TranscriptionJobsControlConsumer {
  constructor(
    private readonly jobs: JobsRuntime,
    private readonly chunks: ChunkResultsRepository,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: TRANSCRIPTION_CONTROL_QUEUE })
  async paused(ctx: MessageContext<RecordingPaused>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'paused');
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDeleted, { queue: TRANSCRIPTION_CONTROL_QUEUE })
  async deleted(ctx: MessageContext<RecordingDeleted>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'deleted');
    await this.chunks.forget(ctx.manager, ctx.data.recordingId);
  }

  @MessageHandler(MESSAGE_TYPES.transcription.ListTranscriptionJobs, { queue: TRANSCRIPTION_CONTROL_QUEUE })
  list(ctx: MessageContext<ListTranscriptionJobs>): Promise<TranscriptionJobsPage> {
    return listJobsReply(this.jobs, ctx.data.filter);
  }
}
