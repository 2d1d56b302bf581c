import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, QuotaMetric, type CheckUsage, type UsageChecked } from '@leap/contracts';
import { LeapError } from '@leap/errors';
import { MessageBus } from '@leap/messaging';
import { SERVICE_CONFIG } from '@leap/platform';
import type { TranscriptionConfig } from '../config/config.schema';

/**
 * The task gate on the plan's monthly transcriptions (the reference's `QuotaExceededError`):
 * before a TRANSCRIBE stage reaches any provider, quota's `CheckUsage` is asked whether one more
 * fits. Over the limit the stage fails with `QUOTA.EXCEEDED`, not retried; no answer from quota
 * is a retryable error, so the job is tried again later instead of passing unchecked. Every
 * transcription comes through here (first runs, re-runs, bulk), whatever the gateway checked
 * before: the gateway's check answers the user at once, this one holds for runs no route saw
 * (auto-runs, automation) and for what was used up meanwhile.
 */
@Injectable()
export class TranscriptionQuota {
  constructor(
    private readonly bus: MessageBus,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<TranscriptionConfig, 'TRANSCRIPTION_QUOTA_CHECK' | 'QUOTA_REQUEST_TIMEOUT'>,
  ) {}

  async admit(userId: string): Promise<void> {
    if (!this.config.TRANSCRIPTION_QUOTA_CHECK) return;
    const query: CheckUsage = { userId, metric: QuotaMetric.TRANSCRIPTIONS, units: 1 };
    let checked: UsageChecked;
    try {
      checked = await this.bus.request(MESSAGE_TYPES.quota.CheckUsage, query, { subject: userId, tenant: userId, timeoutMs: this.config.QUOTA_REQUEST_TIMEOUT });
    } catch (error) {
      throw new LeapError('QUOTA.UNAVAILABLE', `The quota service did not answer whether the transcription fits the plan: ${(error as Error).message}`, {
        retryable: true,
        status: 503,
        cause: error,
      });
    }
    if (checked.granted) return;
    throw new LeapError('QUOTA.EXCEEDED', checked.reason || 'The plan allows no more transcriptions this month', {
      retryable: false,
      status: 429,
      details: { metric: 'TRANSCRIPTIONS', limit: Number(checked.limit), used: Number(checked.used), period: checked.period },
    });
  }
}
