import { Injectable } from '@nestjs/common';
import type { Transaction } from '../admission/quota.repository';

export interface WarningRow {
  userId: string;
  period: string;
  metric: string;
  thresholdPercent: number;
  used: number;
  limit: number;
  /** Whether this threshold's event went out (false: a higher one reached at the same time did). */
  published: boolean;
}

/** The warnings already raised, one per user, period, metric and threshold. */
@Injectable()
export class WarningsRepository {
  /** Records a warning; false when this user, period, metric and threshold already have one. */
  async insert(tx: Transaction, row: WarningRow): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO warnings (user_id, period, metric, threshold_percent, used_value, limit_value, published)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (user_id, period, metric, threshold_percent) DO NOTHING RETURNING threshold_percent`,
      [row.userId, row.period, row.metric, row.thresholdPercent, row.used, row.limit, row.published],
    );
    return rows.length > 0;
  }

  /** The thresholds of one metric already raised in a period. */
  async raised(tx: Transaction, userId: string, period: string, metric: string): Promise<number[]> {
    const rows: Record<string, unknown>[] = await tx.query(
      `SELECT threshold_percent FROM warnings WHERE user_id = $1 AND period = $2 AND metric = $3`,
      [userId, period, metric],
    );
    return rows.map((r) => Number(r.threshold_percent));
  }
}
