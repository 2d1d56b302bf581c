import { QualityPolicy, SubtitleFormat, TopicGranularity, type StageRerunSettings } from '@leap/contracts';
import type { JsonObject } from '../templates/config-layers';
import type { StageName } from './pipeline-state';

/**
 * What a recording's effective processing config (docs/templates.md) does to its stages, pure:
 * which stages it leaves out (the reference's stage toggles, inventory 3.1) and which settings
 * each command carries. The pipeline reads the config through here only.
 */

const block = (value: unknown): JsonObject => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : {});
const number = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** Why the config leaves a stage out: the reason shown, and the config value (dotted path) that decides it. */
export interface SkipDecision {
  reason: string;
  path: string;
}

const TRIMMING = 'processing.trimming.enableTrimming';
const TRANSCRIPTION = 'processing.transcription.enableTranscription';
const TOPICS = 'processing.transcription.enableTopics';
const SUBTITLES = 'processing.transcription.enableSubtitles';

/**
 * Why the config leaves a stage out, or undefined when it runs: trimming off skips TRIM (the
 * next stages then take the original, as the reference's do); transcription off skips TRANSCRIBE
 * and, with nothing to read, the topics and the subtitles; topics or subtitles off skip their own.
 */
export function skipDecision(stage: StageName, processing: JsonObject): SkipDecision | undefined {
  const trimming = block(processing.trimming);
  const transcription = block(processing.transcription);
  const transcribing = transcription.enableTranscription !== false;
  const off = (what: string, path: string): SkipDecision => ({ reason: `${what} off (${path})`, path });
  switch (stage) {
    case 'TRIM':
      return trimming.enableTrimming === false ? off('trimming', TRIMMING) : undefined;
    case 'TRANSCRIBE':
      return transcribing ? undefined : off('transcription', TRANSCRIPTION);
    case 'EXTRACT_TOPICS':
      if (!transcribing) return off('transcription', TRANSCRIPTION);
      return transcription.enableTopics === false ? off('topics', TOPICS) : undefined;
    case 'GENERATE_SUBTITLES':
      if (!transcribing) return off('transcription', TRANSCRIPTION);
      return transcription.enableSubtitles === false ? off('subtitles', SUBTITLES) : undefined;
    default:
      return undefined;
  }
}

const TRANSCRIPTION_STAGES: readonly StageName[] = ['TRANSCRIBE', 'EXTRACT_TOPICS', 'GENERATE_SUBTITLES'];

/**
 * Whether a failure of `stage` is let through (`processing.transcription.allowErrors`, the
 * reference's `allow_errors`): a transcription, topics or subtitles stage that failed after its
 * retries is SKIPPED instead of stopping the recording. A transcript refused by its template's
 * quality policy (`TRANSCRIPTION.QUALITY_FAILED`) is not: that policy exists to stop it.
 */
export function allowsFailure(stage: StageName, errorCode: string, processing: JsonObject): boolean {
  if (!TRANSCRIPTION_STAGES.includes(stage) || errorCode === 'TRANSCRIPTION.QUALITY_FAILED') return false;
  return block(processing.transcription).allowErrors === true;
}

/** The reason alone (see `skipDecision`), as a skipped stage records it. */
export function skipReason(stage: StageName, processing: JsonObject): string | undefined {
  return skipDecision(stage, processing)?.reason;
}

/** The TRIM command's settings: silence threshold, shortest silence, padding (media processing's defaults where unset). */
export function trimSettings(processing: JsonObject): { thresholdDb?: number; minSilenceSeconds?: number; paddingSeconds?: number } {
  const trimming = block(processing.trimming);
  const thresholdDb = number(trimming.silenceThreshold);
  const minSilenceSeconds = number(trimming.minSilenceDuration);
  // The command keeps one padding for both ends: the larger of the two the template sets.
  const paddings = [number(trimming.paddingBefore), number(trimming.paddingAfter)].filter((p): p is number => p !== undefined);
  const paddingSeconds = paddings.length > 0 ? Math.max(...paddings) : undefined;
  return {
    ...(thresholdDb !== undefined ? { thresholdDb } : {}),
    ...(minSilenceSeconds !== undefined && minSilenceSeconds > 0 ? { minSilenceSeconds } : {}),
    ...(paddingSeconds !== undefined && paddingSeconds > 0 ? { paddingSeconds } : {}),
  };
}

const GRANULARITY: Record<string, TopicGranularity> = {
  short: TopicGranularity.SHORT,
  medium: TopicGranularity.MEDIUM,
  long: TopicGranularity.LONG,
};

/** The EXTRACT_TOPICS command's settings: granularity and the number of self-check questions (1 to 10). */
export function topicSettings(processing: JsonObject): { granularity?: TopicGranularity; questionsCount?: number } {
  const transcription = block(processing.transcription);
  const granularity = typeof transcription.granularity === 'string' ? GRANULARITY[transcription.granularity] : undefined;
  const questions = number(transcription.questionsCount);
  const questionsCount = questions !== undefined && questions >= 1 ? Math.min(10, Math.round(questions)) : undefined;
  return { ...(granularity ? { granularity } : {}), ...(questionsCount !== undefined ? { questionsCount } : {}) };
}

/** A topics re-run's own granularity and question count, over the effective config's (`topicSettings`). */
export function topicRerunSettings(settings: StageRerunSettings): { granularity?: TopicGranularity; questionsCount?: number } {
  const granularity = settings.granularity ? GRANULARITY[settings.granularity] : undefined;
  const questionsCount = settings.questionsCount && settings.questionsCount >= 1 ? Math.min(10, Math.round(settings.questionsCount)) : undefined;
  return { ...(granularity ? { granularity } : {}), ...(questionsCount !== undefined ? { questionsCount } : {}) };
}

const SUBTITLE_FORMATS: Record<string, SubtitleFormat> = { srt: SubtitleFormat.SRT, vtt: SubtitleFormat.VTT };

/** A subtitles re-run's formats (`srt`, `vtt`): only those files are written; none named, both. */
export function subtitleRerunFormats(settings: StageRerunSettings): { formats?: SubtitleFormat[] } {
  const formats = [...new Set((settings.subtitleFormats ?? []).map((f) => SUBTITLE_FORMATS[f]).filter((f): f is SubtitleFormat => f !== undefined))];
  return formats.length > 0 ? { formats } : {};
}

const PROVIDERS = new Set(['openai', 'assemblyai', 'offline']);
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/;

const strings = (value: unknown, keep: (item: string) => boolean): string[] =>
  Array.isArray(value) ? [...new Set(value.filter((v): v is string => typeof v === 'string' && keep(v)))] : [];

/**
 * The TRANSCRIBE command's template settings: the quality policy (`fail` fails the stage on a
 * suspect transcript; `flag`, the default, only records the flags) and the providers in failover
 * order (none leaves the server's and the tenant's order).
 */
export function transcribeSettings(processing: JsonObject): { qualityPolicy?: QualityPolicy; providers?: string[] } {
  const transcription = block(processing.transcription);
  const policy = transcription.qualityPolicy === 'fail' ? QualityPolicy.FAIL : transcription.qualityPolicy === 'flag' ? QualityPolicy.FLAG : undefined;
  const providers = strings(transcription.providers, (p) => PROVIDERS.has(p));
  return { ...(policy ? { qualityPolicy: policy } : {}), ...(providers.length > 0 ? { providers } : {}) };
}

/** The GENERATE_SUBTITLES command's settings: the languages the subtitles are translated into. */
export function subtitleSettings(processing: JsonObject): { translateTo?: string[] } {
  const translateTo = strings(block(processing.transcription).translateTo, (l) => LANGUAGE.test(l));
  return translateTo.length > 0 ? { translateTo } : {};
}
