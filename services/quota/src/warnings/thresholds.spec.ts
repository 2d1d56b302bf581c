import { quotaConfigSchema } from '../config/config.schema';
import { reachedThresholds, usedPercent } from './thresholds';

describe('quota warning thresholds', () => {
  it('reaches a threshold exactly at its share of the limit', () => {
    expect(reachedThresholds(3, 5, [80, 100])).toEqual([]);
    expect(reachedThresholds(4, 5, [80, 100])).toEqual([80]);
    expect(reachedThresholds(5, 5, [80, 100])).toEqual([80, 100]);
    expect(reachedThresholds(7, 5, [100, 80])).toEqual([80, 100]);
    expect(reachedThresholds(79, 100, [80, 100])).toEqual([]);
  });

  it('has nothing to warn about for an unlimited or a zero limit', () => {
    expect(reachedThresholds(10, null, [80, 100])).toEqual([]);
    expect(reachedThresholds(0, 0, [80, 100])).toEqual([]);
  });

  it('works in whole numbers for storage-sized values', () => {
    const limit = 5 * 1024 ** 3;
    expect(reachedThresholds(limit * 0.8 - 1, limit, [80, 100])).toEqual([]);
    expect(reachedThresholds(limit * 0.8, limit, [80, 100])).toEqual([80]);
    expect(usedPercent(limit * 0.8 - 1, limit)).toBe(79);
    expect(usedPercent(7, 5)).toBe(140);
  });

  it('reads the setting as sorted, distinct percentages and refuses anything else', () => {
    const parse = (value?: string) => quotaConfigSchema.shape.QUOTA_WARNING_THRESHOLDS.safeParse(value);
    expect(parse(undefined)).toMatchObject({ success: true, data: [80, 100] });
    expect(parse('100, 50,80,50')).toMatchObject({ success: true, data: [50, 80, 100] });
    for (const bad of ['0', '101', '80,abc', '12.5', ',']) expect(parse(bad).success).toBe(false);
  });
});
