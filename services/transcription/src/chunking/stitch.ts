import type { RecognitionResult } from '../recognition/transcription-provider';
import { buildSegments, type ProviderUsage, type TranscriptPart, type TranscriptSegment, type TranscriptWord } from '../transcript/master-transcript';
import type { AudioChunk } from './chunk-plan';

/** A finished chunk: what its provider heard, times relative to the chunk's start. */
export interface ChunkTranscript {
  chunk: AudioChunk;
  provider: string;
  model: string;
  result: RecognitionResult;
}

export interface StitchedTranscript {
  language: string;
  durationSeconds: number;
  words: TranscriptWord[];
  segments: TranscriptSegment[];
  parts: TranscriptPart[];
  usage: ProviderUsage[];
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * One transcript from the chunks' transcripts: every word and segment moved by its chunk's start,
 * in order. A chunk whose provider gave no segments gets them built from its words (per chunk, so
 * no segment spans a cut). The language is the one heard over most of the audio; the parts say
 * which provider did which chunk, and the usage sums the audio each provider was paid for.
 */
export function stitchChunks(chunks: readonly ChunkTranscript[]): StitchedTranscript {
  const ordered = [...chunks].sort((a, b) => a.chunk.index - b.chunk.index);
  const words: TranscriptWord[] = [];
  const segments: TranscriptSegment[] = [];
  const languages = new Map<string, number>();
  const usage = new Map<string, ProviderUsage>();
  for (const { chunk, provider, model, result } of ordered) {
    const offset = chunk.start;
    const moved = result.words.map((w) => ({ ...w, start: round3(w.start + offset), end: round3(w.end + offset) }));
    words.push(...moved);
    const own = result.segments?.length ? result.segments.map((s) => ({ start: round3(s.start + offset), end: round3(s.end + offset), text: s.text })) : buildSegments(moved);
    segments.push(...own);
    const length = chunk.end - chunk.start || result.durationSeconds;
    languages.set(result.language, (languages.get(result.language) ?? 0) + length);
    const key = `${provider}\u0000${model}`;
    const entry = usage.get(key) ?? { provider, model, audioSeconds: 0, chunks: 0 };
    entry.audioSeconds = round3(entry.audioSeconds + (result.usage?.audioSeconds ?? length));
    entry.chunks += 1;
    usage.set(key, entry);
  }
  const last = ordered.at(-1);
  const durationSeconds = last ? Math.max(last.chunk.end, last.chunk.start + last.result.durationSeconds) : 0;
  return {
    language: [...languages.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'und',
    durationSeconds: round3(durationSeconds),
    words,
    segments,
    parts: ordered.map(({ chunk, provider, model, result }) => ({
      chunk: chunk.index,
      start: chunk.start,
      end: round3(chunk.end > chunk.start ? chunk.end : chunk.start + result.durationSeconds),
      provider,
      model,
    })),
    usage: [...usage.values()],
  };
}
