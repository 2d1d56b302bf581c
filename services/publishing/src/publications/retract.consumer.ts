import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, Platform, type PublicationRetracted, type RetractPublication } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { JobHandler, JobsRuntime, runStageJob, stageFailed, type JobCommit, type JobContext, type JobFailure, type StageFailure } from '@leap/jobs';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import { PublicationsRepository } from './publications.repository';
import { PublishService } from './publish.service';
import { UPLOADS_QUEUE } from './publish.consumer';
import { VkPublisher } from '../platforms/vk/vk.publisher';
import { YandexDiskPublisher } from '../platforms/yandex-disk/yandex-disk.publisher';
import { YoutubePublisher } from '../platforms/youtube/youtube.publisher';

export const RETRACT = MESSAGE_TYPES.publishing.RetractPublication;
export const RETRACT_JOB = 'publishing.retract';

const ENUM_OF: Record<string, Platform> = { YOUTUBE: Platform.YOUTUBE, VK: Platform.VK, YANDEX_DISK: Platform.YANDEX_DISK };
const PRESET_PLATFORM = { YOUTUBE: 'youtube', VK: 'vk_video', YANDEX_DISK: 'yandex_disk' } as const;

/**
 * Retracting a published target as a `publishing.retract` job: the video is deleted on its
 * platform (a Yandex Disk upload: its public link removed, the file and its sidecars sent to the
 * disk's trash) with the preset's account (within the account's gate), then the target is recorded
 * `RETRACTED` and `publishing.publication.retracted.v1` published with the job's completion. When
 * it cannot be done (a refusal at once, or retries run out) the target goes back to `PUBLISHED`
 * with the error: the item is still there.
 */
@Injectable()
export class RetractConsumer {
  constructor(
    private readonly jobs: JobsRuntime,
    private readonly publications: PublicationsRepository,
    private readonly publishing: PublishService,
    private readonly youtube: YoutubePublisher,
    private readonly vk: VkPublisher,
    private readonly yandexDisk: YandexDiskPublisher,
  ) {}

  @MessageHandler(RETRACT, { queue: UPLOADS_QUEUE })
  async accept(ctx: MessageContext<RetractPublication>): Promise<void> {
    await this.jobs.enqueue(ctx, RETRACT_JOB, { subject: ctx.data.recordingId, tenant: ctx.data.userId });
  }

  @JobHandler(RETRACT_JOB, { onFailed: 'failed' })
  async retract(job: JobContext<RetractPublication>): Promise<JobCommit> {
    const { recordingId, userId, targetId } = job.data;
    return runStageJob(job, (ctx, error) => this.fail(ctx, error), async () => {
      const row = await this.publications.find(this.publications.manager, recordingId, targetId);
      if (!row || row.userId !== userId || row.status !== 'RETRACTING') {
        throw new LeapError('TARGET.NOT_RETRACTABLE', `Target ${targetId} is not being retracted`, { retryable: false, status: 409 });
      }
      if (!row.externalId || !row.presetId) throw new LeapError('TARGET.NOT_RETRACTABLE', 'The target names no published item or preset', { retryable: false, status: 409 });
      const platform = PRESET_PLATFORM[row.platform as keyof typeof PRESET_PLATFORM] as (typeof PRESET_PLATFORM)[keyof typeof PRESET_PLATFORM] | undefined;
      if (!platform) throw new LeapError('TARGET.NOT_RETRACTABLE', `Retracting from ${row.platform} is not available`, { retryable: false, status: 409 });
      const { credentialId } = await this.publishing.presetOf({ userId, presetId: row.presetId }, platform);
      const credential = await this.publishing.credentialOf(userId, platform, credentialId);
      if (platform === 'yandex_disk') {
        // The public link goes first, then the video and its sidecars (to the disk's trash).
        const account = await this.publishing.diskAccount(credential);
        await this.yandexDisk.retract({ ...account, path: row.externalId, sidecars: row.sidecars ?? [], signal: job.signal });
      } else {
        const account = await this.publishing.account(credential, platform, job.signal);
        if (platform === 'youtube') await this.youtube.retract(account, row.externalId, job.signal);
        else await this.vk.retract(account, row.externalId, job.signal);
      }
      const retractedAt = new Date();
      return async (ctx) => {
        await this.publications.recordRetract(ctx.manager, recordingId, targetId, { retractedAt });
        const event: PublicationRetracted = { recordingId, userId, targetId, platform: ENUM_OF[row.platform]!, externalId: row.externalId!, retractedAt: retractedAt.toISOString() };
        await ctx.publish(MESSAGE_TYPES.publishing.PublicationRetracted, event, { subject: recordingId, tenant: userId });
      };
    });
  }

  /** The job will not be tried again. */
  async failed(ctx: MessageContext<RetractPublication>, failure: JobFailure): Promise<void> {
    await stageFailed(ctx, 'PUBLISHING', failure, (c, error) => this.fail(c, error));
  }

  private async fail(ctx: MessageContext<RetractPublication>, error: StageFailure): Promise<void> {
    await this.publications.recordRetract(ctx.manager, ctx.data.recordingId, ctx.data.targetId, { errorCode: error.code, errorMessage: error.message });
  }
}
