import { Injectable } from '@nestjs/common';
import { MESSAGE_TYPES, QuotaMetric, type QuotaWarningRaised } from '@leap/contracts';
import { MessageHandler, type MessageContext } from '@leap/messaging';
import type { Transaction } from '../recordings/recording.repository';
import { INGEST_USERS_QUEUE } from '../account-events';

/** The accounting period of `at`, `YYYY-MM` in UTC, as quota counts it. */
export const periodOf = (at: Date): string => `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;

/**
 * Users who reached their plan's monthly processing limit, as quota says when it counts a
 * pipeline start (`quota.warning.raised.v1` at 100 % of `processing_per_month`). Ingest holds
 * the auto-runs that follow (an upload, a URL or a source brought in with auto-run) until the
 * period ends: the reference's orchestrator gate, kept here from quota's event rather than asked
 * for at each start, so a start never waits on quota and works while quota is away. A run the
 * owner asks for (`/run`) is checked by the gateway against quota itself and is not held.
 */
@Injectable()
export class ProcessingHolds {
  @MessageHandler(MESSAGE_TYPES.quota.QuotaWarningRaised, { queue: INGEST_USERS_QUEUE })
  async warned(ctx: MessageContext<QuotaWarningRaised>): Promise<void> {
    const w = ctx.data;
    if (w.metric !== QuotaMetric.PROCESSING || w.thresholdPercent < 100) return;
    await ctx.manager.query(
      `INSERT INTO processing_holds (user_id, period, limit_value, used_value) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, period) DO UPDATE SET limit_value = EXCLUDED.limit_value, used_value = EXCLUDED.used_value`,
      [w.userId, w.period, w.limit, w.used],
    );
  }

  /** Whether the user's auto-runs are held at `at`: the plan's monthly processing was reached in that period. */
  async held(tx: Transaction, userId: string, at: Date): Promise<{ limit: number; used: number } | undefined> {
    const [row] = await tx.query(`SELECT limit_value AS "limit", used_value AS used FROM processing_holds WHERE user_id = $1 AND period = $2`, [userId, periodOf(at)]);
    return row ? { limit: Number(row.limit), used: Number(row.used) } : undefined;
  }
}
