import type { ProbedStream, SilenceInterval } from '@leap/media-tools';

/** Silence that starts this close to the beginning counts as leading silence (reference: 0.1 s). */
const LEADING_SILENCE_TOLERANCE = 0.1;
/** Silence that ends this close to the end counts as trailing silence. */
const TRAILING_SILENCE_TOLERANCE = 0.1;

export interface TrimWindow {
  /** Where the kept part starts and ends, seconds from the start of the source. */
  start: number;
  end: number;
  trimmedHeadSeconds: number;
  trimmedTailSeconds: number;
  /** Nothing to cut: the source is kept as it is. */
  keepWhole: boolean;
}

/**
 * The part of a recording to keep: from the first sound minus `paddingBefore` to the last sound
 * plus `paddingAfter` (the same padding at both ends unless told), clamped to the recording. Only leading and trailing silence is cut; silence in the
 * middle stays. First sound is the end of a silence starting at the very beginning, last sound
 * the start of a silence that reaches the end. A recording that is silent throughout is kept whole.
 */
export function planTrim(silences: SilenceInterval[], durationSeconds: number, paddingBefore: number, paddingAfter = paddingBefore): TrimWindow {
  const whole: TrimWindow = { start: 0, end: durationSeconds, trimmedHeadSeconds: 0, trimmedTailSeconds: 0, keepWhole: true };
  const leading = silences.find((s) => s.start <= LEADING_SILENCE_TOLERANCE);
  const trailing = [...silences].reverse().find((s) => s.reachesEnd || s.end >= durationSeconds - TRAILING_SILENCE_TOLERANCE);
  const firstSound = leading ? leading.end : 0;
  const lastSound = trailing ? trailing.start : durationSeconds;
  if (leading && trailing && leading === trailing) return whole;
  if (firstSound >= lastSound) return whole;
  const start = Math.max(0, firstSound - paddingBefore);
  const end = Math.min(durationSeconds, lastSound + paddingAfter);
  const trimmedHeadSeconds = round3(start);
  const trimmedTailSeconds = round3(durationSeconds - end);
  if (trimmedHeadSeconds <= 0 && trimmedTailSeconds <= 0) return whole;
  return { start, end, trimmedHeadSeconds, trimmedTailSeconds, keepWhole: false };
}

function round3(value: number): number {
  return Math.max(0, Math.round(value * 1000) / 1000);
}

export interface OutputContainer {
  extension: 'mp4' | 'webm' | 'mkv';
  /** ffmpeg muxer name. */
  format: 'mp4' | 'webm' | 'matroska';
  contentType: string;
}

const MP4_VIDEO = new Set(['h264', 'hevc', 'mpeg4', 'mpeg2video', 'mjpeg']);
const MP4_AUDIO = new Set(['aac', 'mp3', 'ac3', 'eac3', 'alac']);
const WEBM_VIDEO = new Set(['vp8', 'vp9', 'av1']);
const WEBM_AUDIO = new Set(['opus', 'vorbis']);

/**
 * The container a stream copy goes into: mp4 when every kept stream fits mp4, webm when they are
 * all VP8/VP9/AV1 and Opus/Vorbis, otherwise Matroska, which holds anything.
 */
export function chooseContainer(streams: ProbedStream[]): OutputContainer {
  const kept = streams.filter((s) => s.codecType === 'video' || s.codecType === 'audio');
  const fits = (video: Set<string>, audio: Set<string>): boolean =>
    kept.length > 0 && kept.every((s) => (s.codecType === 'video' ? video : audio).has(s.codecName ?? ''));
  if (fits(MP4_VIDEO, MP4_AUDIO)) return { extension: 'mp4', format: 'mp4', contentType: 'video/mp4' };
  if (fits(WEBM_VIDEO, WEBM_AUDIO)) return { extension: 'webm', format: 'webm', contentType: 'video/webm' };
  return { extension: 'mkv', format: 'matroska', contentType: 'video/x-matroska' };
}

/** Content type of a source object by its key's extension. */
export function contentTypeOf(key: string): string {
  const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    mp4: 'video/mp4',
    m4a: 'audio/mp4',
    mov: 'video/quicktime',
    webm: 'video/webm',
    mkv: 'video/x-matroska',
    mp3: 'audio/mpeg',
    wav: 'audio/wav',
  };
  return types[ext] ?? 'application/octet-stream';
}
