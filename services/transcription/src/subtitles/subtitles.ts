import type { TranscriptSegment } from '../transcript/master-transcript';

/** One subtitle cue: its time span and its (already wrapped) lines. */
export interface SubtitleCue {
  start: number;
  end: number;
  lines: string[];
}

export interface CueOptions {
  /** Longest line, in characters (default 42, as the reference). */
  maxLineLength?: number;
  /** Lines per cue (default 2). */
  maxLines?: number;
}

export const DEFAULT_MAX_LINE_LENGTH = 42;
export const DEFAULT_MAX_LINES = 2;

/**
 * Breaks text into lines of at most `max` characters at word boundaries. A word longer than a
 * line is cut into pieces of `max` characters.
 */
export function wrapLines(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const raw of text.split(/\s+/).filter(Boolean)) {
    let word = raw;
    while (word.length > max) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, max));
      word = word.slice(max);
    }
    if (!word) continue;
    if (!line) line = word;
    else if (line.length + 1 + word.length <= max) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * Cues from transcript segments. A segment whose text needs more than `maxLines` lines becomes
 * several cues, the segment's time shared among them in proportion to their characters.
 */
export function buildCues(segments: readonly TranscriptSegment[], options: CueOptions = {}): SubtitleCue[] {
  const maxLineLength = options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
  const maxLines = options.maxLines ?? DEFAULT_MAX_LINES;
  const cues: SubtitleCue[] = [];
  for (const segment of segments) {
    const lines = wrapLines(segment.text, maxLineLength);
    if (lines.length === 0) continue;
    const groups: string[][] = [];
    for (let i = 0; i < lines.length; i += maxLines) groups.push(lines.slice(i, i + maxLines));
    const weights = groups.map((g) => g.reduce((sum, l) => sum + l.length, 0));
    const total = weights.reduce((a, b) => a + b, 0);
    const span = Math.max(0, segment.end - segment.start);
    let start = segment.start;
    let used = 0;
    groups.forEach((group, index) => {
      used += weights[index]!;
      const end = index === groups.length - 1 ? segment.end : segment.start + (span * used) / total;
      cues.push({ start, end, lines: group });
      start = end;
    });
  }
  return cues;
}

/** `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT). */
export function formatTimestamp(seconds: number, separator: ',' | '.'): string {
  const totalMs = Math.max(0, Math.round(seconds * 1000));
  const ms = totalMs % 1000;
  const totalSeconds = Math.floor(totalMs / 1000);
  const s = totalSeconds % 60;
  const m = Math.floor(totalSeconds / 60) % 60;
  const h = Math.floor(totalSeconds / 3600);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}:${two(s)}${separator}${String(ms).padStart(3, '0')}`;
}

/** SubRip: numbered cues, `00:00:01,200 --> 00:00:03,400`, a blank line after each. */
export function toSrt(cues: readonly SubtitleCue[]): string {
  return cues
    .map((cue, i) => `${i + 1}\n${formatTimestamp(cue.start, ',')} --> ${formatTimestamp(cue.end, ',')}\n${cue.lines.join('\n')}\n`)
    .join('\n');
}

/** WebVTT: the `WEBVTT` header, then cues with `00:00:01.200 --> 00:00:03.400`. */
export function toVtt(cues: readonly SubtitleCue[]): string {
  const body = cues.map((cue) => `${formatTimestamp(cue.start, '.')} --> ${formatTimestamp(cue.end, '.')}\n${cue.lines.join('\n')}\n`).join('\n');
  return body ? `WEBVTT\n\n${body}` : 'WEBVTT\n';
}
