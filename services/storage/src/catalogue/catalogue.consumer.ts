import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES,
  ObjectKind,
  type DeleteRecordingObjects,
  type ObjectStored,
  type RecordingObjectsDeleted,
  type RecordingDownloaded,
  type RecordingRegistered,
  type RecordingTranscribed,
  type RecordingTrimmed,
  type StorageUsageChanged,
  type SubtitlesGenerated,
  type TopicsExtracted,
 } from '@leap/contracts';
import { MessageHandler, type MessageContext, type MessagingLogger } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import { CatalogueService, type CatalogueUpdate, type RecordingObjects, type UsageChange } from './catalogue.service';

export const CATALOGUE_QUEUE = 'storage.catalogue';
export const COMMANDS_QUEUE = 'storage.commands';

export const CATALOGUE_EVENTS = [
  MESSAGE_TYPES.ingest.RecordingRegistered,
  MESSAGE_TYPES.ingest.RecordingDownloaded,
  MESSAGE_TYPES.media.RecordingTrimmed,
  MESSAGE_TYPES.transcription.RecordingTranscribed,
  MESSAGE_TYPES.transcription.TopicsExtracted,
  MESSAGE_TYPES.transcription.SubtitlesGenerated,
] as const;
export const STORAGE_COMMANDS = [MESSAGE_TYPES.storage.DeleteRecordingObjects] as const;

/** Keeps the object catalogue from the result events that carry objects, and deletes recordings' objects. */
@Injectable()
export class CatalogueConsumer {
  constructor(
    private readonly catalogue: CatalogueService,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

  @MessageHandler(MESSAGE_TYPES.ingest.RecordingRegistered, { queue: CATALOGUE_QUEUE })
  async registered(ctx: MessageContext<RecordingRegistered>): Promise<void> {
    const { source } = ctx.data;
    // Recordings that still wait for their source (imports) have nothing in storage yet.
    if (!source) return;
    await this.record(ctx, { userId: ctx.data.userId, recordingId: ctx.data.recordingId, objects: [{ ...source, kind: source.kind || ObjectKind.SOURCE }] });
  }

  /** An imported recording's original arrived (the DOWNLOAD stage). */
  @MessageHandler(MESSAGE_TYPES.ingest.RecordingDownloaded, { queue: CATALOGUE_QUEUE })
  async downloaded(ctx: MessageContext<RecordingDownloaded>): Promise<void> {
    const { source } = ctx.data;
    await this.record(ctx, { userId: ctx.data.userId, recordingId: ctx.data.recordingId, objects: [{ ...source, kind: source.kind || ObjectKind.SOURCE }] });
  }

  @MessageHandler(MESSAGE_TYPES.media.RecordingTrimmed, { queue: CATALOGUE_QUEUE })
  async trimmed(ctx: MessageContext<RecordingTrimmed>): Promise<void> {
    // The video may be the source object itself (nothing was cut): the same key is counted once.
    await this.record(ctx, { userId: ctx.data.userId, recordingId: ctx.data.recordingId, objects: [ctx.data.video, ctx.data.audio] });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.RecordingTranscribed, { queue: CATALOGUE_QUEUE })
  async transcribed(ctx: MessageContext<RecordingTranscribed>): Promise<void> {
    await this.record(ctx, { userId: ctx.data.userId, recordingId: ctx.data.recordingId, objects: [ctx.data.master] });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.TopicsExtracted, { queue: CATALOGUE_QUEUE })
  async topics(ctx: MessageContext<TopicsExtracted>): Promise<void> {
    await this.record(ctx, { userId: ctx.data.userId, recordingId: ctx.data.recordingId, objects: [ctx.data.topics] });
  }

  @MessageHandler(MESSAGE_TYPES.transcription.SubtitlesGenerated, { queue: CATALOGUE_QUEUE })
  async subtitles(ctx: MessageContext<SubtitlesGenerated>): Promise<void> {
    await this.record(ctx, { userId: ctx.data.userId, recordingId: ctx.data.recordingId, objects: [ctx.data.srt, ctx.data.vtt] });
  }

  @MessageHandler(MESSAGE_TYPES.storage.DeleteRecordingObjects, { queue: COMMANDS_QUEUE })
  async delete(ctx: MessageContext<DeleteRecordingObjects>): Promise<void> {
    const { userId, recordingId } = ctx.data;
    const deletion = await this.catalogue.deleteRecording(ctx.manager, userId, recordingId);
    const deleted: RecordingObjectsDeleted = { recordingId, userId, count: deletion.count, bytes: deletion.bytes.toString() };
    await ctx.publish(MESSAGE_TYPES.storage.RecordingObjectsDeleted, deleted, { subject: recordingId, tenant: userId });
    if (deletion.usage) await publishUsage(ctx, deletion.usage);
  }

  private async record(ctx: MessageContext<unknown>, input: RecordingObjects): Promise<CatalogueUpdate> {
    const update = await this.catalogue.record(ctx.manager, input);
    if (update.missing.length > 0) {
      this.logger.warn('objects named by an event are not in the store; not catalogued', { type: ctx.envelope.type, keys: update.missing });
    }
    for (const object of update.stored) {
      const stored: ObjectStored = { object, userId: input.userId, recordingId: input.recordingId };
      await ctx.publish(MESSAGE_TYPES.storage.ObjectStored, stored, { subject: input.recordingId, tenant: input.userId });
    }
    if (update.usage) await publishUsage(ctx, update.usage);
    return update;
  }
}

/** Usage events are ordered per user: their subject is the user. */
async function publishUsage(ctx: MessageContext<unknown>, usage: UsageChange): Promise<void> {
  const event: StorageUsageChanged = { userId: usage.userId, totalBytes: usage.totalBytes.toString(), deltaBytes: usage.deltaBytes.toString() };
  await ctx.publish(MESSAGE_TYPES.storage.StorageUsageChanged, event, { subject: usage.userId, tenant: usage.userId });
}
