import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A garbage collection on demand, so that a sample counts live memory rather than garbage not yet collected. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Heap and buffer memory still referenced, after a full collection. */
export function liveBytes(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/**
 * The most memory held at once while `work` runs, above what was held before: sampled every
 * `intervalMs` (default 1 s) after a full collection, so a stream that buffers what it moves shows
 * up as growth while garbage awaiting collection does not. A full collection costs about a tenth
 * of a second in a test process, so sampling more often mostly measures the collector.
 */
export async function peakLiveGrowth<T>(work: () => Promise<T>, intervalMs = 1000): Promise<{ result: T; growthBytes: number }> {
  const before = liveBytes();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, liveBytes())), intervalMs);
  try {
    const result = await work();
    peak = Math.max(peak, liveBytes());
    return { result, growthBytes: peak - before };
  } finally {
    clearInterval(timer);
  }
}
