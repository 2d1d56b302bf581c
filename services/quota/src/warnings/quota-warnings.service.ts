import { Inject, Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, type QuotaMetric, type QuotaWarningRaised } from '@leap/contracts';
import type { MessagingLogger } from '@leap/messaging';
import { SERVICE_CONFIG, SERVICE_LOGGER } from '@leap/platform';
import type { QuotaTx } from '../admission/admission.service';
import type { QuotaConfig } from '../config/config.schema';
import { reachedThresholds, usedPercent } from './thresholds';
import { WarningsRepository } from './warnings.repository';

/**
 * Warns a user whose usage of a limited metric reaches a threshold of the limit
 * (QUOTA_WARNING_THRESHOLDS), once per period and threshold. The caller holds the user's
 * advisory lock and passes its transaction: the warning's row and its outbox message commit
 * together or not at all, and the row's primary key stops a second replica or a redelivery.
 */
@Injectable()
export class QuotaWarnings {
  constructor(
    private readonly warnings: WarningsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: Pick<QuotaConfig, 'QUOTA_WARNING_THRESHOLDS'>,
    @Inject(SERVICE_LOGGER) private readonly logger: MessagingLogger,
  ) {}

  /** Usage of `metric` is now `used` of `limit` (null: unlimited) in `period`; returns the threshold published, if any. */
  async check(tx: QuotaTx, userId: string, metric: QuotaMetric, period: string, used: number, limit: number | null): Promise<number | undefined> {
    const reached = reachedThresholds(used, limit, this.config.QUOTA_WARNING_THRESHOLDS);
    if (reached.length === 0 || limit === null) return undefined;
    const already = new Set(await this.warnings.raised(tx.manager, userId, period, metric));
    const fresh = reached.filter((t) => !already.has(t));
    if (fresh.length === 0) return undefined;
    // One change that passes several thresholds (a big upload, a small limit) sends one warning, the highest;
    // the lower ones are recorded as passed so they do not follow later in the period.
    const highest = fresh[fresh.length - 1]!;
    let published: number | undefined;
    for (const threshold of fresh) {
      const publish = threshold === highest;
      if (!(await this.warnings.insert(tx.manager, { userId, period, metric, thresholdPercent: threshold, used, limit, published: publish }))) continue;
      if (!publish) continue;
      const event: QuotaWarningRaised = {
        userId,
        metric,
        used: String(used),
        limit: String(limit),
        thresholdPercent: threshold,
        usedPercent: usedPercent(used, limit),
        period,
      };
      await tx.publish(MESSAGE_TYPES.quota.QuotaWarningRaised, event, { subject: userId, tenant: userId });
      this.logger.info('Quota warning raised', { userId, metric, threshold, used, limit, period });
      published = threshold;
    }
    return published;
  }
}
