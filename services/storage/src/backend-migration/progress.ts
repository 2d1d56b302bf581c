/** How far a migration is: objects and bytes done of the total, since `startedAt`. */
export interface Progress {
  objectsDone: number;
  objectsTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** Bytes moved (copied or read to verify) in this run, for the rate. */
  bytesMoved: number;
  startedAt: number;
  now: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * One line of progress: a bar by bytes, objects and bytes done, the rate over this run and the
 * time left at that rate, e.g.
 * `[##########..........]  20/40 objects  80.0 MiB/160.0 MiB  25.0 MiB/s  ETA 3s`.
 */
export function progressLine(p: Progress, width = 20): string {
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.objectsTotal > 0 ? p.objectsDone / p.objectsTotal : 1;
  const filled = Math.min(width, Math.floor(fraction * width));
  const elapsed = Math.max(0.001, (p.now - p.startedAt) / 1000);
  const rate = p.bytesMoved / elapsed;
  const left = Math.max(0, p.bytesTotal - p.bytesDone);
  const eta = left === 0 ? 0 : rate > 0 ? left / rate : Infinity;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(p.objectsDone).padStart(String(p.objectsTotal).length)}/${p.objectsTotal} objects  ` +
    `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ${formatBytes(rate)}/s  ETA ${formatDuration(eta)}`
  );
}
