import type { ProviderLimits } from '../recognition/transcription-provider';

/** One piece of the audio, sent to a provider on its own. Seconds from the start of the media. */
export interface AudioChunk {
  index: number;
  start: number;
  end: number;
}

export interface Silence {
  start: number;
  end: number;
}

/** Chunks are encoded for the providers as MP3 at this rate (what media-processing hands over for ASR). */
export const CHUNK_BITRATE_BPS = 64_000;
/** Room left under a provider's byte limit (container overhead, VBR peaks). */
const BYTE_MARGIN = 0.9;
/** A cut is looked for in the last part of a chunk: no shorter than this share of the longest chunk. */
const MIN_FILL = 0.5;

/** The longest chunk every provider in `limits` takes, in seconds: duration and size (at 64 kbps) alike. */
export function chunkSecondsFor(limits: readonly ProviderLimits[], capSeconds?: number): number {
  let seconds = capSeconds ?? Number.POSITIVE_INFINITY;
  for (const limit of limits) {
    seconds = Math.min(seconds, limit.maxSeconds, (limit.maxBytes * 8 * BYTE_MARGIN) / CHUNK_BITRATE_BPS);
  }
  return seconds;
}

/**
 * Cuts `durationSeconds` of audio into chunks of at most `maxSeconds`, each cut in the middle of
 * a silence so no word is split: the latest silence that leaves the chunk at least half the
 * longest length. Where the speech runs on with no such silence, the cut falls at the longest
 * length. One chunk when the audio fits.
 */
export function planChunks(durationSeconds: number, silences: readonly Silence[], maxSeconds: number): AudioChunk[] {
  if (!(durationSeconds > 0)) return [{ index: 0, start: 0, end: Math.max(0, durationSeconds) }];
  if (!Number.isFinite(maxSeconds) || durationSeconds <= maxSeconds) return [{ index: 0, start: 0, end: durationSeconds }];
  const middles = silences.map((s) => (s.start + s.end) / 2).sort((a, b) => a - b);
  const chunks: AudioChunk[] = [];
  let start = 0;
  while (durationSeconds - start > maxSeconds) {
    const latest = start + maxSeconds;
    const earliest = start + maxSeconds * MIN_FILL;
    let cut = latest;
    for (const m of middles) {
      if (m > latest) break;
      if (m >= earliest) cut = m;
    }
    // The silence found is the latest one before the limit; none means a hard cut at the limit.
    const found = middles.some((m) => m >= earliest && m <= latest);
    cut = round3(found ? cut : latest);
    chunks.push({ index: chunks.length, start: round3(start), end: cut });
    start = cut;
  }
  chunks.push({ index: chunks.length, start: round3(start), end: round3(durationSeconds) });
  return chunks;
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;
