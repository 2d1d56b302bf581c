/** `[HH:MM:SS]` of a time in seconds. */
export function clock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

interface Segment {
  start?: unknown;
  startSeconds?: unknown;
  start_time?: unknown;
  startMs?: unknown;
  text?: unknown;
}

function startOf(segment: Segment): number {
  for (const value of [segment.start, segment.startSeconds, segment.start_time]) if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof segment.startMs === 'number' && Number.isFinite(segment.startMs)) return segment.startMs / 1000;
  return 0;
}

/**
 * The plain-text transcript: one `[HH:MM:SS] text` line per segment of the master transcript
 * (`segments[]` with `start` in seconds and `text`).
 */
export function transcriptText(master: unknown): string {
  const segments = (master as { segments?: unknown })?.segments;
  if (!Array.isArray(segments)) return '';
  return segments
    .map((s: Segment) => ({ start: startOf(s), text: typeof s?.text === 'string' ? s.text.trim() : '' }))
    .filter((s) => s.text)
    .map((s) => `[${clock(s.start)}] ${s.text}\n`)
    .join('');
}
