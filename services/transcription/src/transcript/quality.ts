import { isNoiseSegment } from '../topics/noise-filter';
import type { MasterTranscript } from './master-transcript';

/** One thing that makes a transcript suspect. */
export interface QualityFlag {
  /** `HALLUCINATION`, `LOOP`, `WORD_DENSITY`, `TEXT_IN_SILENCE`. */
  code: string;
  message: string;
  /** Where, seconds from the start, when it is one place. */
  at?: number;
}

/** Stored with the transcript (`master.json` `quality`). */
export interface TranscriptQuality {
  suspect: boolean;
  flags: QualityFlag[];
  metrics: { wordsPerMinute: number; hallucinatedSegments: number; longestLoop: number; wordsInSilence: number };
}

/** Speech runs at roughly 100–200 words a minute; a transcript far outside is suspect. */
export const WORDS_PER_MINUTE = { min: 20, max: 320 };
/** A phrase said this many times in a row is a recogniser stuck in a loop. */
export const LOOP_REPEATS = 4;
/** Silences at least this long should hold no words. */
export const LONG_SILENCE_SECONDS = 10;

/**
 * Checks a transcript for what recognisers get wrong (T7): phrases they are known to invent,
 * a phrase looped over and over, a word rate far outside speech (over the whole and over any
 * five-minute window), and words where the audio is silent (when the silences are known).
 */
export function assessQuality(master: Pick<MasterTranscript, 'words' | 'segments'>, silences: ReadonlyArray<{ start: number; end: number }> = []): TranscriptQuality {
  const flags: QualityFlag[] = [];
  const hallucinated = master.segments.filter((s) => s.text.trim() && isNoiseSegment(s.text));
  if (hallucinated.length > 0) {
    flags.push({
      code: 'HALLUCINATION',
      message: `${hallucinated.length} segment(s) are phrases recognisers invent over silence, first "${hallucinated[0]!.text.trim()}"`,
      at: hallucinated[0]!.start,
    });
  }

  const tokens = master.words.map((w) => w.text.toLowerCase().replace(/[^\p{L}\p{N}']+/gu, '')).filter(Boolean);
  const loop = longestLoop(tokens);
  if (loop.repeats >= LOOP_REPEATS) {
    const at = master.words.find((w, i) => i >= loop.index)?.start;
    flags.push({ code: 'LOOP', message: `"${tokens.slice(loop.index, loop.index + loop.size).join(' ')}" is repeated ${loop.repeats} times in a row`, ...(at === undefined ? {} : { at }) });
  }

  const first = master.words[0]?.start ?? 0;
  const last = master.words.at(-1)?.end ?? 0;
  const minutes = Math.max((last - first) / 60, 1 / 60);
  const wordsPerMinute = master.words.length / minutes;
  if (master.words.length >= 20 && (wordsPerMinute < WORDS_PER_MINUTE.min || wordsPerMinute > WORDS_PER_MINUTE.max)) {
    flags.push({ code: 'WORD_DENSITY', message: `${Math.round(wordsPerMinute)} words a minute, outside speech (${WORDS_PER_MINUTE.min}–${WORDS_PER_MINUTE.max})` });
  } else {
    for (let from = first; from < last; from += 300) {
      const inWindow = master.words.filter((w) => w.start >= from && w.start < from + 300).length;
      if (inWindow / 5 > WORDS_PER_MINUTE.max * 1.5) {
        flags.push({ code: 'WORD_DENSITY', message: `${Math.round(inWindow / 5)} words a minute in five minutes from ${Math.round(from)} s`, at: from });
        break;
      }
    }
  }

  const long = silences.filter((s) => s.end - s.start >= LONG_SILENCE_SECONDS);
  const silent = master.words.filter((w) => long.some((s) => (w.start + w.end) / 2 > s.start + 0.5 && (w.start + w.end) / 2 < s.end - 0.5));
  if (silent.length > 0) flags.push({ code: 'TEXT_IN_SILENCE', message: `${silent.length} word(s) where the audio is silent for ${LONG_SILENCE_SECONDS} s or more`, at: silent[0]!.start });

  return {
    suspect: flags.length > 0,
    flags,
    metrics: { wordsPerMinute: Math.round(wordsPerMinute * 10) / 10, hallucinatedSegments: hallucinated.length, longestLoop: loop.repeats, wordsInSilence: silent.length },
  };
}

/** The phrase (1 to 8 words) repeated most times back to back. */
function longestLoop(tokens: readonly string[]): { index: number; size: number; repeats: number } {
  let best = { index: 0, size: 0, repeats: 0 };
  for (let size = 1; size <= 8; size++) {
    for (let i = 0; i + size * 2 <= tokens.length; i++) {
      let repeats = 1;
      while (i + size * (repeats + 1) <= tokens.length && sameRun(tokens, i, i + size * repeats, size)) repeats += 1;
      // A single word said twice ("very very") is speech; loops are counted from phrases or from many repeats.
      if (repeats > best.repeats && (size > 1 || repeats >= LOOP_REPEATS * 2)) best = { index: i, size, repeats };
      if (repeats > 1) i += size * (repeats - 1);
    }
  }
  return best;
}

function sameRun(tokens: readonly string[], a: number, b: number, size: number): boolean {
  for (let k = 0; k < size; k++) if (tokens[a + k] !== tokens[b + k]) return false;
  return true;
}
