import type { TranscriptSegment } from '../transcript/master-transcript';

/**
 * Phrases speech recognisers are known to invent over silence, music or noise (the credits and
 * sign-offs their training subtitles ended with). Compared case-insensitively, without punctuation.
 */
export const HALLUCINATION_PHRASES: readonly string[] = [
  'продолжение следует',
  'субтитры сделал dimatorzok',
  'субтитры создавал dimatorzok',
  'субтитры делал dimatorzok',
  'редактор субтитров а синецкая корректор а егорова',
  'редактор субтитров а семкин корректор а егорова',
  'корректор а кулакова',
  'спасибо за просмотр',
  'подписывайтесь на канал',
  'ставьте лайки и подписывайтесь',
  'thank you for watching',
  'thanks for watching',
  'please subscribe',
  'like and subscribe',
  'subtitles by the amara org community',
  'transcription by castingwords',
  'transcribed by https otter ai',
  'untertitel im auftrag des zdf',
  'sous titrage st 501',
];

/** A stretch this long that is mostly invented text is dropped whole (15 minutes). */
export const NOISE_WINDOW_SECONDS = 15 * 60;

const normalise = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** True when the segment is nothing but a known invented phrase (possibly repeated). */
export function isNoiseSegment(text: string): boolean {
  let rest = normalise(text);
  if (!rest) return true;
  let matched = false;
  for (let changed = true; changed && rest; ) {
    changed = false;
    for (const phrase of HALLUCINATION_PHRASES) {
      if (rest.startsWith(phrase)) {
        rest = rest.slice(phrase.length).trim();
        matched = changed = true;
      }
    }
  }
  return matched && rest.length === 0;
}

/**
 * The segments worth giving a language model, as the reference filters them: known invented
 * phrases are dropped, and a stretch of 15 minutes or more in which invented phrases are the
 * majority is dropped whole (what a recogniser "hears" over a long silence). The dropped time
 * becomes a gap, which break detection then sees.
 */
export function filterNoise(segments: readonly TranscriptSegment[]): { kept: TranscriptSegment[]; dropped: number } {
  const noise = segments.map((s) => isNoiseSegment(s.text));
  const drop = [...noise];
  // Windows from one noise segment to another, widened while noise stays the majority.
  for (let i = 0; i < segments.length; i++) {
    if (!noise[i]) continue;
    let noisy = 0;
    let best = -1;
    for (let j = i; j < segments.length; j++) {
      if (noise[j]) noisy += 1;
      if (noisy * 2 <= j - i + 1) break;
      if (noise[j]) best = j;
    }
    if (best > i && segments[best]!.end - segments[i]!.start >= NOISE_WINDOW_SECONDS) {
      for (let k = i; k <= best; k++) drop[k] = true;
      i = best;
    }
  }
  const kept = segments.filter((_, i) => !drop[i]);
  return { kept, dropped: segments.length - kept.length };
}
