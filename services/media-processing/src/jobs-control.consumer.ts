import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type ListMediaJobs, type MediaJobsPage, type RecordingDeleted, type RecordingPaused } from '@leap/contracts';
import { cancelRecordingJobs, JobsRuntime, listJobsReply } from '@leap/jobs';
import { MessageHandler, type MessageContext } from '@leap/messaging';

export const MEDIA_CONTROL_QUEUE = 'media.job-control';

/** Cancels a recording's jobs when it is paused or deleted, and answers operators about the jobs. */
@Injectable()
export class MediaJobsControlConsumer {
  constructor(private readonly jobs: JobsRuntime) {}

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: MEDIA_CONTROL_QUEUE })
  async paused(ctx: MessageContext<RecordingPaused>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'paused');
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDeleted, { queue: MEDIA_CONTROL_QUEUE })
  async deleted(ctx: MessageContext<RecordingDeleted>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'deleted');
  }

  @MessageHandler(MESSAGE_TYPES.media.ListMediaJobs, { queue: MEDIA_CONTROL_QUEUE })
  list(ctx: MessageContext<ListMediaJobs>): Promise<MediaJobsPage> {
    return listJobsReply(this.jobs, ctx.data.filter);
  }
}
