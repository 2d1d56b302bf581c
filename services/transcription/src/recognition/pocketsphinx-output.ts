import type { TranscriptWord } from '../transcript/master-transcript';

/** `word start end posterior`, as `pocketsphinx_continuous -time yes` prints each word. */
const WORD_LINE = /^(\S+)\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i;

/** Sentence marks, silence and fillers: `<s>`, `</s>`, `<sil>`, `[NOISE]`, `[SPEECH]`, `++UM++`. */
function isFiller(token: string): boolean {
  return /^<.*>$/.test(token) || /^\[.*\]$/.test(token) || /^\+\+.*\+\+$/.test(token);
}

/**
 * The words of pocketsphinx's timed output, without fillers and with pronunciation variants
 * (`and(2)`) reduced to the word. Hypothesis lines (the whole utterance, no times) are skipped.
 */
export function parsePocketsphinxOutput(stdout: string): TranscriptWord[] {
  const words: TranscriptWord[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = WORD_LINE.exec(line.trim());
    if (!match) continue;
    const token = match[1]!;
    if (isFiller(token)) continue;
    const text = token.replace(/\(\d+\)$/, '');
    if (!text) continue;
    const start = Number(match[2]);
    const end = Number(match[3]);
    const confidence = Math.min(1, Math.max(0, Number(match[4])));
    words.push({ text, start, end: Math.max(start, end), confidence });
  }
  return words.sort((a, b) => a.start - b.start);
}

/** Duration of a PCM WAV file from its header (the `fmt ` byte rate and the `data` chunk size). */
export function wavDurationSeconds(header: Buffer, fileSize: number): number {
  if (header.length < 12 || header.toString('ascii', 0, 4) !== 'RIFF' || header.toString('ascii', 8, 12) !== 'WAVE') return 0;
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= header.length) {
    const id = header.toString('ascii', offset, offset + 4);
    const size = header.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= header.length) byteRate = header.readUInt32LE(offset + 8 + 8);
    if (id === 'data') {
      if (!byteRate) return 0;
      // ffmpeg writes 0 or 0xFFFFFFFF when it streams; the file size is the truth then.
      const dataBytes = size === 0 || size === 0xffffffff || offset + 8 + size > fileSize ? fileSize - offset - 8 : size;
      return Math.max(0, dataBytes) / byteRate;
    }
    offset += 8 + size + (size % 2);
  }
  return 0;
}
