import { Injectable } from '@nestjs/common';
import { Platform, type Failure, type PublishingFailed, type PublishRecording, type RecordingPublished } from '@leap/contracts';
import { LeapError, parkedFailureReport, type ParkedFailure } from '@leap/messaging';
import { LocalExportService } from '../local-export/local-export.service';
import { PublicationsRepository, type Transaction } from './publications.repository';

export type PublishOutcome = { published: RecordingPublished; failed?: undefined } | { failed: PublishingFailed; published?: undefined };

/**
 * Publishes a recording to one output target and records the outcome. A failure that trying
 * again cannot fix (bad input, a platform not available) becomes `publishing.failed.v1`; any
 * other error is thrown, so the message goes through the retry tiers; once those run out and the
 * command is parked, `parked` records it as failed with `PUBLISHING.RETRIES_EXHAUSTED`.
 */
@Injectable()
export class PublishService {
  constructor(
    private readonly localExport: LocalExportService,
    private readonly publications: PublicationsRepository,
  ) {}

  async publish(tx: Transaction, command: PublishRecording): Promise<PublishOutcome> {
    const { recordingId, userId, targetId, platform } = command;
    try {
      if (platform !== Platform.LOCAL) {
        throw new LeapError('PUBLISHING.PLATFORM_UNAVAILABLE', `Publishing to ${platform} is not available yet`, { retryable: false, status: 501 });
      }
      const exported = await this.localExport.export({ userId, recordingId, targetId, objects: command.objects, variables: command.variables });
      const publishedAt = new Date(exported.metadata.exportedAt);
      const externalId = `${userId}/${recordingId}`;
      await this.publications.record(tx, {
        recordingId,
        targetId,
        userId,
        platform: platformName(platform),
        status: 'PUBLISHED',
        location: exported.location,
        externalId,
        publishedAt,
      });
      return { published: { recordingId, userId, targetId, platform, location: exported.location, externalId, publishedAt: publishedAt.toISOString() } };
    } catch (error) {
      if (!(error instanceof LeapError) || error.retryable) throw error;
      return { failed: await this.recordFailure(tx, command, { code: error.code, message: error.message, retryable: false }) };
    }
  }

  /** The publish command was parked after its retries ran out: the publication failed. */
  parked(tx: Transaction, command: PublishRecording, failure: ParkedFailure): Promise<PublishingFailed> {
    return this.recordFailure(tx, command, parkedFailureReport('PUBLISHING', failure));
  }

  private async recordFailure(tx: Transaction, command: PublishRecording, error: Failure): Promise<PublishingFailed> {
    const { recordingId, userId, targetId, platform } = command;
    await this.publications.record(tx, {
      recordingId,
      targetId,
      userId,
      platform: platformName(platform),
      status: 'FAILED',
      errorCode: error.code,
      errorMessage: error.message,
    });
    return { recordingId, userId, targetId, platform, error };
  }
}

function platformName(platform: Platform): string {
  return String(platform).replace(/^PLATFORM_/, '');
}
