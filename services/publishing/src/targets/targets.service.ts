import { Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { MESSAGE_TYPES, Platform, type ListOutputTargets, type OutputTarget, type PublishRecording, type RetractPublication, type RetractTarget, type StartUpload } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import type { MessageContext } from '@leap/messaging';
import { isPresetPlatform, PRESET_PLATFORMS, type PresetPlatform } from '../presets/preset-metadata';
import { PresetsRepository } from '../presets/presets.repository';
import type { PublicationEntity } from '../publications/publication.entity';
import { PublicationsRepository, type Transaction } from '../publications/publications.repository';

const PLATFORM_ENUM: Record<PresetPlatform, Platform> = {
  youtube: Platform.YOUTUBE,
  vk_video: Platform.VK,
  yandex_disk: Platform.YANDEX_DISK,
  local: Platform.LOCAL,
};
/** The publications table names platforms as the proto enum does (`YOUTUBE`); the API as presets do. */
const ROW_PLATFORM: Record<PresetPlatform, string> = { youtube: 'YOUTUBE', vk_video: 'VK', yandex_disk: 'YANDEX_DISK', local: 'LOCAL' };
const API_PLATFORM: Record<string, string> = { YOUTUBE: 'youtube', VK: 'vk_video', YANDEX_DISK: 'yandex_disk', LOCAL: 'local' };

/** The platforms whose items a retract can remove. */
const RETRACTABLE = new Set(['YOUTUBE', 'VK', 'YANDEX_DISK']);

const refuse = (code: string, message: string, status = 422) => new LeapError(code, message, { retryable: false, status });

export function targetView(row: PublicationEntity): OutputTarget {
  const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);
  return {
    id: row.targetId,
    recordingId: row.recordingId,
    userId: row.userId,
    platform: API_PLATFORM[row.platform] ?? row.platform.toLowerCase(),
    ...(row.presetId ? { presetId: row.presetId } : {}),
    status: row.status,
    attempts: row.attempts,
    ...(row.url ? { resultUrl: row.url } : {}),
    ...(row.location ? { location: row.location } : {}),
    ...(row.externalId ? { externalId: row.externalId } : {}),
    ...(row.errorCode ? { errorCode: row.errorCode } : {}),
    ...(row.errorMessage ? { errorMessage: row.errorMessage } : {}),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
    ...(row.publishedAt ? { publishedAt: iso(row.publishedAt) } : {}),
    ...(row.retractedAt ? { retractedAt: iso(row.retractedAt) } : {}),
  };
}

/**
 * Output targets asked for by hand (`POST /api/v1/recordings/{id}/upload/{platform}`): each is a
 * row of its own, so a recording has as many targets per platform as it was asked for, each with
 * its status, attempts, result and error, and each published by its own job, so one target's
 * failure leaves the others going.
 */
@Injectable()
export class TargetsService {
  constructor(
    private readonly presets: PresetsRepository,
    private readonly publications: PublicationsRepository,
  ) {}

  /**
   * Records the target `QUEUED` and sends its publish command, in the query's transaction. A dry
   * run does the very same inside a savepoint and rolls it back (the outbox follows savepoints):
   * its answer and refusals are those of a real call, and nothing stays.
   */
  async start(ctx: MessageContext<StartUpload>): Promise<OutputTarget> {
    if (!ctx.data.dryRun) return this.queue(ctx);
    const runner = ctx.manager.queryRunner!;
    await runner.startTransaction();
    try {
      return await this.queue(ctx);
    } finally {
      await runner.rollbackTransaction();
    }
  }

  private async queue(ctx: MessageContext<StartUpload>): Promise<OutputTarget> {
    const q = ctx.data;
    if (!isPresetPlatform(q.platform)) throw refuse('TARGET.INVALID', `platform: one of ${PRESET_PLATFORMS.join(', ')}`);
    if (q.platform !== 'local' && !q.presetId) throw refuse('PRESET.REQUIRED', `An upload to ${q.platform} needs a presetId`);
    if (q.presetId) {
      const preset = await this.presets.find(ctx.manager, q.userId, q.presetId);
      if (!preset) throw refuse('PRESET.NOT_FOUND', `There is no preset ${q.presetId}`, 404);
      if (preset.platform !== q.platform) throw refuse('PRESET.INVALID', `Preset ${preset.id} is for ${preset.platform}, not ${q.platform}`);
      if (!preset.isActive) throw refuse('PRESET.INVALID', `Preset ${preset.id} is not active`);
      if (q.platform !== 'local' && !preset.credentialId) throw refuse('CREDENTIAL.MISSING', `Preset ${preset.id} names no ${q.platform} credential`);
    }
    if (q.objects.length === 0) throw refuse('TARGET.NOTHING_TO_PUBLISH', 'The recording has nothing to publish yet', 409);
    const targetId = uuidv7();
    await this.publications.queue(ctx.manager, { recordingId: q.recordingId, targetId, userId: q.userId, platform: ROW_PLATFORM[q.platform], presetId: q.presetId });
    const command: PublishRecording = {
      recordingId: q.recordingId,
      userId: q.userId,
      targetId,
      platform: PLATFORM_ENUM[q.platform],
      objects: q.objects,
      ...(q.variables ? { variables: q.variables } : {}),
      ...(q.presetId ? { presetId: q.presetId } : {}),
      ...(q.templateMetadata && Object.keys(q.templateMetadata).length > 0 ? { templateMetadata: q.templateMetadata } : {}),
      ...(q.uploadCaptions !== undefined ? { uploadCaptions: q.uploadCaptions } : {}),
      ...(q.translations?.length ? { translations: q.translations } : {}),
    };
    await ctx.send(MESSAGE_TYPES.publishing.PublishRecording, command, { subject: q.recordingId, tenant: q.userId });
    const row = (await this.publications.find(ctx.manager, q.recordingId, targetId))!;
    return targetView(row);
  }

  /**
   * Retracts a published target (YouTube, VK, Yandex Disk): recorded `RETRACTING` and its retract command sent,
   * in the query's transaction; the job deletes the item. Another user's target is 404, one that
   * is not `PUBLISHED` (or of a platform that cannot retract) 409.
   */
  async retract(ctx: MessageContext<RetractTarget>): Promise<OutputTarget> {
    const { userId, recordingId, targetId } = ctx.data;
    const row = await this.publications.find(ctx.manager, recordingId, targetId);
    if (!row || row.userId !== userId) throw refuse('TARGET.NOT_FOUND', `Recording ${recordingId} has no target ${targetId}`, 404);
    if (!RETRACTABLE.has(row.platform)) throw refuse('TARGET.NOT_RETRACTABLE', `Retracting from ${API_PLATFORM[row.platform] ?? row.platform} is not available`, 409);
    if (!(await this.publications.markRetracting(ctx.manager, recordingId, targetId))) {
      throw refuse('TARGET.NOT_RETRACTABLE', `The target is ${row.status}: only a PUBLISHED target can be retracted`, 409);
    }
    const command: RetractPublication = { recordingId, userId, targetId };
    await ctx.send(MESSAGE_TYPES.publishing.RetractPublication, command, { subject: recordingId, tenant: userId });
    return targetView((await this.publications.find(ctx.manager, recordingId, targetId))!);
  }

  async list(tx: Transaction, q: ListOutputTargets): Promise<OutputTarget[]> {
    return (await this.publications.listForRecording(tx, q.userId, q.recordingId)).map(targetView);
  }
}
