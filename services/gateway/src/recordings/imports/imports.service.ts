import { Inject, Injectable } from '@nestjs/common';
import { DownloadMethod, MESSAGE_TYPES, type PayloadOf, type ReplyOf } from '@leap/contracts';
import { LeapError, MessageBus, newMessageId } from '@leap/messaging';
import { SERVICE_LOGGER } from '@leap/platform';
import type { Logger } from 'winston';
import { recordingSummary, shortName } from '../recordings.dto';
import { RecordingsRepository } from '../recordings.repository';
import { QuotaClient } from '../quota-client.service';
import type { AddPlaylistDto, AddUrlDto } from './imports.dto';
import { OutputPresetsCheck } from '../output-presets';

/** Ingest's answers that reach the caller as they are: bad input and refused or unusable sources. */
const PASSED_THROUGH = new Set([
  'INGEST.URL_NOT_ALLOWED',
  'INGEST.INVALID_URL',
  'INGEST.INVALID_OPTION',
  'INGEST.URL_UNSUPPORTED',
  'INGEST.SOURCE_PRIVATE',
  'INGEST.SOURCE_REMOVED',
  'INGEST.SOURCE_GEO_BLOCKED',
  'INGEST.SOURCE_LOGIN_REQUIRED',
]);

/** yt-dlp describes a page or lists a playlist while the caller waits: longer than a pause or run. */
const PROBE_TIMEOUT_MS = 60_000;

/**
 * Recordings from URLs: the gateway reserves quota, asks ingest (which checks the address and
 * creates the recording), and shows the new recording at once in its read model.
 */
@Injectable()
export class ImportsService {
  constructor(
    private readonly bus: MessageBus,
    private readonly quota: QuotaClient,
    private readonly recordings: RecordingsRepository,
    @Inject(SERVICE_LOGGER) private readonly logger: Logger,
    private readonly presets: OutputPresetsCheck,
  ) {}

  async addUrl(userId: string, dto: AddUrlDto, idempotencyKey?: string) {
    const outputPresets = await this.presets.resolve(userId, dto.presetIds);
    const recordingId = newMessageId();
    // Before ingest acts: its own status events, all later, win over this first view.
    const askedAt = new Date().toISOString();
    const reservationId = await this.quota.reserveRecording(userId, idempotencyKey ?? recordingId);
    let reply: ReplyOf<typeof MESSAGE_TYPES.ingest.AddRecordingFromUrl>;
    try {
      reply = await this.ask(
        MESSAGE_TYPES.ingest.AddRecordingFromUrl,
        {
          recordingId,
          userId,
          url: dto.url,
          quality: dto.quality,
          formatPreference: dto.formatPreference,
          autoRun: dto.autoRun,
          method: DownloadMethod.YT_DLP,
          ...(dto.displayName ? { displayName: dto.displayName } : {}),
          ...(dto.templateId ? { templateId: dto.templateId } : {}),
          ...(reservationId ? { reservationId } : {}),
          ...(outputPresets.length > 0 ? { outputPresets } : {}),
        },
        // Ingest asks yt-dlp about the URL before it answers: as long as a playlist or a preview may take.
        PROBE_TIMEOUT_MS,
      );
    } catch (error) {
      if (reservationId) await this.quota.release(userId, reservationId, 'the URL was refused');
      throw error;
    }
    await this.recordings.transaction(async (manager) => {
      await this.recordings.ensure(manager, reply.recordingId, userId);
      await this.recordings.applyRegistered(manager, {
        recordingId: reply.recordingId,
        userId,
        title: reply.title || dto.displayName || dto.url,
        sourceType: 'URL',
        status: shortName(reply.status, 'RECORDING_STATUS_') ?? 'INITIALIZED',
        registeredAt: askedAt,
      });
    });
    const created = await this.recordings.findOwned(userId, reply.recordingId);
    return recordingSummary(created!);
  }

  async addPlaylist(userId: string, dto: AddPlaylistDto) {
    const outputPresets = await this.presets.resolve(userId, dto.presetIds);
    const reply = await this.ask(
      MESSAGE_TYPES.ingest.AddRecordingsFromPlaylist,
      {
        userId,
        url: dto.url,
        quality: dto.quality,
        formatPreference: dto.formatPreference,
        autoRun: dto.autoRun,
        limit: dto.limit,
        ...(dto.templateId ? { templateId: dto.templateId } : {}),
        ...(outputPresets.length > 0 ? { outputPresets } : {}),
      },
      PROBE_TIMEOUT_MS,
    );
    return {
      title: reply.title || null,
      total: reply.total ?? 0,
      entries: (reply.entries ?? []).map((e) => ({ sourceKey: e.sourceKey, recordingId: e.recordingId, title: e.title || null, outcome: e.outcome })),
    };
  }

  async formatsPreview(userId: string, url: string) {
    const reply = await this.ask(MESSAGE_TYPES.ingest.PreviewFormats, { userId, url }, PROBE_TIMEOUT_MS);
    return {
      title: reply.title || null,
      sourceKey: reply.sourceKey || null,
      durationSeconds: reply.durationSeconds ?? null,
      heights: reply.heights ?? [],
      formats: (reply.formats ?? []).map((f) => ({
        formatId: f.formatId,
        ext: f.ext || null,
        height: f.height || null,
        hasVideo: f.hasVideo ?? false,
        hasAudio: f.hasAudio ?? false,
        sizeBytes: f.sizeBytes ? Number(f.sizeBytes) : null,
        note: f.note || null,
      })),
    };
  }

  /** Ingest's refusals as they are (4xx); anything else is 503 `INGEST.UNAVAILABLE`. */
  private async ask<T extends (typeof QUERIES)[keyof typeof QUERIES]>(type: T, query: PayloadOf<T>, timeoutMs: number): Promise<ReplyOf<T>> {
    try {
      return (await this.bus.request(type, query, { subject: query.userId, tenant: query.userId, timeoutMs })) as ReplyOf<T>;
    } catch (error) {
      if (error instanceof LeapError && PASSED_THROUGH.has(error.code)) {
        throw new LeapError(error.code, error.message, { status: error.status >= 400 && error.status < 500 ? error.status : 422, details: error.details });
      }
      this.logger.warn(`ingest did not answer ${type}: ${(error as Error).message}`, { code: (error as LeapError).code });
      throw new LeapError('INGEST.UNAVAILABLE', 'The ingest service did not answer; try again shortly', { status: 503, retryable: true, details: { retryAfterSeconds: 5 }, cause: error });
    }
  }
}

const QUERIES = {
  addUrl: MESSAGE_TYPES.ingest.AddRecordingFromUrl,
  addPlaylist: MESSAGE_TYPES.ingest.AddRecordingsFromPlaylist,
  preview: MESSAGE_TYPES.ingest.PreviewFormats,
} as const;
