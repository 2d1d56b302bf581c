/** `HH:MM:SS.mmm` of a time in seconds. */
export function preciseClock(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}.${pad(ms % 1000, 3)}`;
}

interface Timed {
  start?: unknown;
  end?: unknown;
  text?: unknown;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * The reference's text files of a transcript (`segments.txt`, `words.txt`): one
 * `[HH:MM:SS.mmm - HH:MM:SS.mmm] text` line per segment or per word of the master transcript.
 */
export function timedLines(master: unknown, what: 'segments' | 'words'): string {
  const items = (master as Record<string, unknown> | null)?.[what];
  if (!Array.isArray(items)) return '';
  return items
    .map((item: Timed) => ({ start: num(item?.start), end: num(item?.end), text: typeof item?.text === 'string' ? item.text.trim() : '' }))
    .filter((item) => item.text)
    .map((item) => `[${preciseClock(item.start)} - ${preciseClock(item.end)}] ${item.text}\n`)
    .join('');
}
