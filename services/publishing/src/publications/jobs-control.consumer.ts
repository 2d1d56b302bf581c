import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type ListPublishingJobs, type PublishingJobsPage, type RecordingDeleted, type RecordingPaused, type RecordingPurged } from '@leap/contracts';
import { cancelRecordingJobs, JobsRuntime, listJobsReply } from '@leap/jobs';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { LocalExportService } from '../local-export/local-export.service';
import { PublicationsRepository } from './publications.repository';

export const PUBLISHING_CONTROL_QUEUE = 'publishing.job-control';

/**
 * Cancels a recording's uploads when it is paused or deleted, removes its local export when its
 * files go (the restore window of a deleted recording closed), and answers operators about the jobs.
 */
@Injectable()
export class PublishingJobsControlConsumer {
  constructor(
    private readonly jobs: JobsRuntime,
    private readonly localExport: LocalExportService,
    private readonly publications: PublicationsRepository,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPaused, { queue: PUBLISHING_CONTROL_QUEUE })
  async paused(ctx: MessageContext<RecordingPaused>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'paused');
    await this.publications.cancelOpen(ctx.manager, ctx.data.recordingId, 'paused');
  }

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDeleted, { queue: PUBLISHING_CONTROL_QUEUE })
  async deleted(ctx: MessageContext<RecordingDeleted>): Promise<void> {
    await cancelRecordingJobs(this.jobs, ctx.manager, ctx.data.recordingId, 'deleted');
    await this.publications.cancelOpen(ctx.manager, ctx.data.recordingId, 'deleted');
  }

  /**
   * The export is a copy of the recording's files: it stays while the recording can be restored
   * and goes with the files (a redelivery finds nothing to remove).
   */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingPurged, { queue: PUBLISHING_CONTROL_QUEUE })
  async purged(ctx: MessageContext<RecordingPurged>): Promise<void> {
    await this.localExport.remove(ctx.data.userId, ctx.data.recordingId);
  }

  @MessageHandler(MESSAGE_TYPES.publishing.ListPublishingJobs, { queue: PUBLISHING_CONTROL_QUEUE })
  list(ctx: MessageContext<ListPublishingJobs>): Promise<PublishingJobsPage> {
    return listJobsReply(this.jobs, ctx.data.filter);
  }
}
