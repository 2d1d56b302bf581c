import { LeapError } from '@leap/errors';
import type { TranscriptQuality } from './quality';

/** One recognised word, times in seconds from the start of the media. */
export interface TranscriptWord {
  text: string;
  start: number;
  end: number;
  /** 0 to 1, when the recogniser reports it. */
  confidence?: number;
}

/** A sentence-like stretch of speech: what subtitles and topics are built from. */
export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
}

/** Which provider transcribed which stretch of the media (one part per chunk). */
export interface TranscriptPart {
  chunk: number;
  start: number;
  end: number;
  provider: string;
  model: string;
}

/** What each provider was used for: the cost basis (audio seconds). */
export interface ProviderUsage {
  provider: string;
  model: string;
  audioSeconds: number;
  chunks: number;
}

/** `transcription/master.json`: the transcript every later stage reads. */
export interface MasterTranscript {
  version: 1;
  /** BCP 47 code of the recognised language. */
  language: string;
  /** The provider, or the providers in order of first use joined by `,` when a failover shared the work. */
  provider: string;
  model: string;
  durationSeconds: number;
  words: TranscriptWord[];
  segments: TranscriptSegment[];
  stats: { wordCount: number };
  parts?: TranscriptPart[];
  usage?: ProviderUsage[];
  /** The quality checks' verdict (see `assessQuality`). */
  quality?: TranscriptQuality;
}

/** Longest segment built from words, in seconds (as the reference's fallback). */
export const MAX_SEGMENT_SECONDS = 8;
/** A silence between two words at least this long starts a new segment, in seconds. */
export const SEGMENT_PAUSE_SECONDS = 0.4;

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

/**
 * Groups words into segments the way the reference does when the provider gives no sentences:
 * a new segment starts after a pause of at least 0.4 s, or when the current one would grow past 8 s.
 */
export function buildSegments(
  words: readonly TranscriptWord[],
  options: { maxSeconds?: number; pauseSeconds?: number } = {},
): TranscriptSegment[] {
  const maxSeconds = options.maxSeconds ?? MAX_SEGMENT_SECONDS;
  const pauseSeconds = options.pauseSeconds ?? SEGMENT_PAUSE_SECONDS;
  const segments: TranscriptSegment[] = [];
  let current: TranscriptWord[] = [];
  const flush = () => {
    if (current.length === 0) return;
    segments.push({
      start: round3(current[0]!.start),
      end: round3(current[current.length - 1]!.end),
      text: current.map((w) => w.text).join(' '),
    });
    current = [];
  };
  for (const word of words) {
    const first = current[0];
    const last = current[current.length - 1];
    if (first && last && (word.start - last.end >= pauseSeconds - 1e-9 || word.end - first.start > maxSeconds)) flush();
    current.push(word);
  }
  flush();
  return segments;
}

/** The master transcript from a recogniser's result. */
export function buildMasterTranscript(input: {
  language: string;
  provider: string;
  model: string;
  durationSeconds: number;
  words: readonly TranscriptWord[];
  /** The provider's sentence segments; built from the words when absent. */
  segments?: readonly TranscriptSegment[];
  parts?: TranscriptPart[];
  usage?: ProviderUsage[];
}): MasterTranscript {
  const words = input.words.map((w) => ({
    text: w.text,
    start: round3(w.start),
    end: round3(w.end),
    ...(w.confidence === undefined ? {} : { confidence: round3(w.confidence) }),
  }));
  return {
    version: 1,
    language: input.language,
    provider: input.provider,
    model: input.model,
    durationSeconds: round3(input.durationSeconds),
    words,
    segments: input.segments ? input.segments.map((s) => ({ start: round3(s.start), end: round3(s.end), text: s.text })) : buildSegments(words),
    stats: { wordCount: words.length },
    ...(input.parts ? { parts: input.parts } : {}),
    ...(input.usage ? { usage: input.usage } : {}),
  };
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * Reads a stored master transcript, refusing anything that is not one with
 * `TRANSCRIPTION.INPUT_INVALID` (not retryable: the same bytes will not get better).
 */
export function parseMasterTranscript(body: Buffer | string, key: string): MasterTranscript {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new LeapError('TRANSCRIPTION.INPUT_INVALID', `${key} is not valid JSON`, { retryable: false, status: 422 });
  }
  const t = value as Partial<MasterTranscript> | null;
  const problems: string[] = [];
  if (!t || typeof t !== 'object') problems.push('not an object');
  else {
    if (t.version !== 1) problems.push('version is not 1');
    if (!Array.isArray(t.segments)) problems.push('segments is not a list');
    else if (!t.segments.every((s) => s && isNumber(s.start) && isNumber(s.end) && typeof s.text === 'string' && s.end >= s.start)) {
      problems.push('a segment lacks start, end or text');
    }
    if (!Array.isArray(t.words)) problems.push('words is not a list');
    if (!isNumber(t.durationSeconds)) problems.push('durationSeconds is not a number');
  }
  if (problems.length > 0) {
    throw new LeapError('TRANSCRIPTION.INPUT_INVALID', `${key} is not a master transcript: ${problems.join('; ')}`, {
      retryable: false,
      status: 422,
    });
  }
  return t as MasterTranscript;
}
