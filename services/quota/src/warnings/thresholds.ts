/**
 * Pure warning arithmetic: which thresholds (percentages of a limit) a usage has reached.
 */

/** Usage in percent of the limit, rounded down. */
export function usedPercent(used: number, limit: number): number {
  return Math.floor((used * 100) / limit);
}

/**
 * The thresholds `used` has reached, lowest first. A limit that is unlimited (`null`) or 0 (no use
 * allowed at all, so every request is refused) has nothing to warn about.
 */
export function reachedThresholds(used: number, limit: number | null, thresholds: readonly number[]): number[] {
  if (limit === null || limit <= 0) return [];
  // In integers, so 4 of 5 is exactly 80 % (4 * 100 >= 80 * 5), with no rounding on the way.
  return thresholds.filter((t) => used * 100 >= t * limit).sort((a, b) => a - b);
}
