import type { MessagingLogger } from '@leap/messaging';
import type { QuotaTx } from '../admission/admission.service';
import { QuotaWarnings } from './quota-warnings.service';
import type { WarningRow, WarningsRepository } from './warnings.repository';

/** The warnings table in memory, keyed as its primary key is. */
class MemoryWarnings {
  readonly rows = new Map<string, WarningRow>();
  async insert(_tx: unknown, row: WarningRow): Promise<boolean> {
    const key = `${row.userId}|${row.period}|${row.metric}|${row.thresholdPercent}`;
    if (this.rows.has(key)) return false;
    this.rows.set(key, row);
    return true;
  }
  async raised(_tx: unknown, userId: string, period: string, metric: string): Promise<number[]> {
    return [...this.rows.values()].filter((r) => r.userId === userId && r.period === period && r.metric === metric).map((r) => r.thresholdPercent);
  }
}

const unexpected = (name: string) => () => {
  throw new Error(`unexpected call: ${name}`);
};

function setup(thresholds = [80, 100], repository = new MemoryWarnings()) {
  const published: { type: string; data: unknown; options?: unknown }[] = [];
  const tx = {
    manager: {} as QuotaTx['manager'],
    publish: async (type: string, data: unknown, options?: unknown) => void published.push({ type, data, options }),
  } as QuotaTx;
  const logger = { info: () => undefined, warn: unexpected('warn'), error: unexpected('error'), debug: () => undefined } as unknown as MessagingLogger;
  const warnings = new QuotaWarnings(repository as unknown as WarningsRepository, { QUOTA_WARNING_THRESHOLDS: thresholds }, logger);
  return { repository, published, tx, warnings };
}

describe('QuotaWarnings', () => {
  it('publishes each threshold once per user, metric and period', async () => {
    const { published, tx, warnings } = setup();
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_RECORDINGS', '2026-03', 3, 5)).toBeUndefined();
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_RECORDINGS', '2026-03', 4, 5)).toBe(80);
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_RECORDINGS', '2026-03', 4, 5)).toBeUndefined();
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_RECORDINGS', '2026-03', 5, 5)).toBe(100);
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_RECORDINGS', '2026-04', 4, 5)).toBe(80);
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_STORAGE_BYTES', '2026-03', 900, 1000)).toBe(80);
    expect(published).toEqual([
      {
        type: 'quota.warning.raised.v1',
        data: { userId: 'u', metric: 'QUOTA_METRIC_RECORDINGS', used: '4', limit: '5', thresholdPercent: 80, usedPercent: 80, period: '2026-03' },
        options: { subject: 'u', tenant: 'u' },
      },
      expect.objectContaining({ data: expect.objectContaining({ thresholdPercent: 100, period: '2026-03', metric: 'QUOTA_METRIC_RECORDINGS' }) }),
      expect.objectContaining({ data: expect.objectContaining({ thresholdPercent: 80, period: '2026-04' }) }),
      expect.objectContaining({ data: expect.objectContaining({ thresholdPercent: 80, metric: 'QUOTA_METRIC_STORAGE_BYTES', usedPercent: 90 }) }),
    ]);
  });

  it('publishes only the highest of several thresholds passed at once, and records the others as passed', async () => {
    const { repository, published, tx, warnings } = setup([50, 80, 100]);
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_STORAGE_BYTES', '2026-03', 600, 1000)).toBe(50);
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_STORAGE_BYTES', '2026-03', 1500, 1000)).toBe(100);
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_STORAGE_BYTES', '2026-03', 850, 1000)).toBeUndefined();
    expect(published.map((p) => (p.data as { thresholdPercent: number }).thresholdPercent)).toEqual([50, 100]);
    expect([...repository.rows.values()].map((r) => [r.thresholdPercent, r.published])).toEqual([
      [50, true],
      [80, false],
      [100, true],
    ]);
  });

  it('has nothing to say about an unlimited or a zero limit, and asks nothing', async () => {
    const strict = { rows: new Map(), insert: unexpected('insert'), raised: unexpected('raised') } as unknown as MemoryWarnings;
    const { published, tx, warnings } = setup([80, 100], strict);
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_RECORDINGS', '2026-03', 1000, null)).toBeUndefined();
    expect(await warnings.check(tx, 'u', 'QUOTA_METRIC_RECORDINGS', '2026-03', 0, 0)).toBeUndefined();
    expect(published).toEqual([]);
  });
});
