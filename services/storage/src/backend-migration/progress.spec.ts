import { formatBytes, formatDuration, progressLine } from './progress';

describe('migration progress', () => {
  it('shows the bar, objects, bytes, rate and time left', () => {
    const line = progressLine({ objectsDone: 20, objectsTotal: 40, bytesDone: 80 * 2 ** 20, bytesTotal: 160 * 2 ** 20, bytesMoved: 50 * 2 ** 20, startedAt: 0, now: 2000 });
    expect(line).toBe('[##########..........] 20/40 objects  80.0 MiB/160.0 MiB  25.0 MiB/s  ETA 3s');
  });

  it('is whole and at zero time left when done, and unknown before anything moved', () => {
    expect(progressLine({ objectsDone: 3, objectsTotal: 3, bytesDone: 10, bytesTotal: 10, bytesMoved: 10, startedAt: 0, now: 1000 })).toBe(
      '[####################] 3/3 objects  10 B/10 B  10 B/s  ETA 0s',
    );
    expect(progressLine({ objectsDone: 0, objectsTotal: 2, bytesDone: 0, bytesTotal: 2048, bytesMoved: 0, startedAt: 0, now: 0 })).toContain('ETA ?');
  });

  it('formats sizes and durations', () => {
    expect([formatBytes(0), formatBytes(1536), formatBytes(3 * 2 ** 30)]).toEqual(['0 B', '1.5 KiB', '3.0 GiB']);
    expect([formatDuration(59.4), formatDuration(61), formatDuration(3 * 3600 + 120)]).toEqual(['59s', '1m01s', '3h02m']);
  });
});
