import type { RecordingFacts } from './template-variables';

/** `transcription/topics.json` as far as metadata needs it (the active version). */
interface TopicsDocument {
  activeVersion?: number;
  versions?: Array<{ version?: number; summary?: string; language?: string; mainTopics?: string[]; topics?: Array<string | { start?: number; title?: string }>; questions?: string[] }>;
}

/**
 * What a publish command tells of its recording: its variables (`title` or `display_name`,
 * `recorded_at`, `duration`) and, when it passes one, the active version of its topics document
 * (summary, main topics, topics with start times, questions, language).
 */
export function recordingFacts(
  recordingId: string,
  variables: Record<string, string>,
  topicsJson: string | undefined,
  publishedAt: Date,
): RecordingFacts & { language?: string } {
  const recordedAt = variables.recorded_at ? new Date(variables.recorded_at) : undefined;
  const duration = variables.duration !== undefined ? Number(variables.duration) : undefined;
  const facts: RecordingFacts & { language?: string } = {
    recordingId,
    displayName: variables.display_name ?? variables.title ?? '',
    ...(variables.original_title ? { originalTitle: variables.original_title } : {}),
    ...(duration !== undefined && Number.isFinite(duration) ? { durationSeconds: duration } : {}),
    ...(recordedAt && !Number.isNaN(recordedAt.getTime()) ? { recordedAt } : {}),
    publishedAt,
  };
  if (!topicsJson) return facts;
  let document: TopicsDocument;
  try {
    document = JSON.parse(topicsJson) as TopicsDocument;
  } catch {
    return facts;
  }
  const versions = Array.isArray(document.versions) ? document.versions : [];
  const active = versions.find((v) => v.version === document.activeVersion) ?? versions.at(-1);
  if (!active) return facts;
  return {
    ...facts,
    ...(typeof active.summary === 'string' ? { summary: active.summary } : {}),
    ...(typeof active.language === 'string' ? { language: active.language } : {}),
    mainTopics: (active.mainTopics ?? []).filter((t): t is string => typeof t === 'string'),
    topics: (active.topics ?? []).flatMap((t) =>
      typeof t === 'string' ? [{ text: t }] : typeof t?.title === 'string' ? [{ text: t.title, ...(typeof t.start === 'number' ? { start: t.start } : {}) }] : [],
    ),
    questions: (active.questions ?? []).filter((q): q is string => typeof q === 'string').map((text) => ({ text })),
  };
}
