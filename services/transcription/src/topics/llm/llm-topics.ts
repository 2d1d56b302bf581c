import { LeapError } from '@leap/errors';
import type { MasterTranscript, TranscriptSegment } from '../../transcript/master-transcript';
import { filterNoise } from '../noise-filter';
import { BREAK_GAP_SECONDS, clock, MIN_TOPIC_SECONDS, questionsCountOf, topicCountRange, type ExtractedTopics, type Granularity, type TopicEntry } from '../topic-extraction';
import type { ChatClient, ChatMessage } from './chat-client';

/** The JSON the model is asked for. */
interface ModelAnswer {
  summary: string;
  main_topics: string[];
  topics: Array<{ start: string; title: string }>;
  questions: string[];
}

const BREAK_TITLE: Readonly<Record<string, string>> = { en: 'Break', ru: 'Перерыв' };
const breakTitle = (language: string) => BREAK_TITLE[language.split('-')[0]!] ?? BREAK_TITLE.en!;

/** Gaps of at least 8 minutes between the segments kept: the model is told to list them as breaks. */
export function detectBreaks(segments: readonly TranscriptSegment[]): Array<{ start: number; end: number }> {
  const breaks: Array<{ start: number; end: number }> = [];
  for (let i = 1; i < segments.length; i++) {
    if (segments[i]!.start - segments[i - 1]!.end >= BREAK_GAP_SECONDS) breaks.push({ start: segments[i - 1]!.end, end: segments[i]!.start });
  }
  return breaks;
}

/** `HH:MM:SS` or `MM:SS` to seconds; undefined for anything else. */
export function parseClock(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:\.\d+)?\s*$/.exec(value);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1] ?? 0), Number(m[2]), Number(m[3])];
  if (min > 59 || s > 59) return undefined;
  return h * 3600 + min * 60 + s;
}

export interface TopicsPrompt {
  messages: ChatMessage[];
  range: { min: number; max: number };
  questions: number;
  breaks: Array<{ start: number; end: number }>;
  durationSeconds: number;
}

/**
 * The one request the reference makes: the transcript's lines with their times (noise filtered),
 * how many topics (from the granularity table), the breaks to list, and how many questions, with
 * the JSON shape to answer in.
 */
export function buildTopicsPrompt(transcript: Pick<MasterTranscript, 'segments' | 'durationSeconds' | 'language'>, options: { granularity: Granularity; questionsCount?: number; language: string }): TopicsPrompt {
  const { kept } = filterNoise(transcript.segments.filter((s) => s.text.trim()));
  const durationSeconds = Math.max(transcript.durationSeconds, kept.at(-1)?.end ?? 0);
  const range = topicCountRange(durationSeconds, options.granularity);
  const questions = questionsCountOf(options.questionsCount);
  const breaks = detectBreaks(kept);
  const brk = breakTitle(options.language);
  const system = [
    'You structure lecture transcripts. Answer with one JSON object and nothing else, in this shape:',
    '{"summary": string, "main_topics": [string], "topics": [{"start": "HH:MM:SS", "title": string}], "questions": [string]}',
    `Write every text in the language with code "${options.language}".`,
  ].join('\n');
  const user = [
    `The lecture lasts ${clock(durationSeconds)}.`,
    `- summary: three to five sentences on what the lecture covers.`,
    `- main_topics: two to five main topics of the lecture, two to four words each.`,
    `- topics: between ${range.min} and ${range.max} topics in order of time, each with the time it starts (from the transcript's times) and a short title; the first starts at 00:00:00.`,
    ...(breaks.length > 0
      ? [`- The lecture pauses ${breaks.map((b) => `from ${clock(b.start)} to ${clock(b.end)}`).join(', ')}: list each pause as a topic titled "${brk}" at its start.`]
      : []),
    `- questions: exactly ${questions} self-check questions a student can answer from the lecture.`,
    '',
    'Transcript:',
    ...kept.map((s) => `[${clock(s.start)}] ${s.text.trim()}`),
  ].join('\n');
  return { messages: [{ role: 'system', content: system }, { role: 'user', content: user }], range, questions, breaks, durationSeconds };
}

/** The model's answer as topics, or the problems that make it unusable. */
export function parseTopicsAnswer(content: string, prompt: TopicsPrompt, language: string): { ok: true; value: Omit<ExtractedTopics, 'granularity' | 'language'> } | { ok: false; problem: string } {
  let value: unknown;
  try {
    // Some models wrap JSON in a code fence even when asked not to.
    value = JSON.parse(content.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, ''));
  } catch (error) {
    return { ok: false, problem: `the answer is not JSON (${(error as Error).message})` };
  }
  const a = value as Partial<ModelAnswer> | null;
  const problems: string[] = [];
  if (!a || typeof a !== 'object' || Array.isArray(a)) return { ok: false, problem: 'the answer is not a JSON object' };
  if (typeof a.summary !== 'string' || !a.summary.trim()) problems.push('"summary" must be a non-empty string');
  if (!Array.isArray(a.main_topics) || !a.main_topics.every((t) => typeof t === 'string' && t.trim())) problems.push('"main_topics" must be a list of strings');
  if (!Array.isArray(a.questions) || a.questions.length === 0 || !a.questions.every((q) => typeof q === 'string' && q.trim())) problems.push('"questions" must be a non-empty list of strings');
  const starts: Array<{ start: number; title: string }> = [];
  if (!Array.isArray(a.topics) || a.topics.length === 0) problems.push('"topics" must be a non-empty list');
  else {
    a.topics.forEach((t, i) => {
      const start = parseClock((t as { start?: unknown })?.start);
      const title = (t as { title?: unknown })?.title;
      if (start === undefined) problems.push(`topics[${i}].start must be HH:MM:SS`);
      else if (start > prompt.durationSeconds + 60) problems.push(`topics[${i}].start is after the end of the lecture`);
      if (typeof title !== 'string' || !title.trim()) problems.push(`topics[${i}].title must be a non-empty string`);
      if (start !== undefined && typeof title === 'string') starts.push({ start, title: title.trim() });
    });
  }
  if (problems.length > 0) return { ok: false, problem: problems.join('; ') };
  return {
    ok: true,
    value: {
      summary: a.summary!.trim(),
      mainTopics: a.main_topics!.map((t) => t.trim()).slice(0, 5),
      topics: timeTopics(starts, prompt, breakTitle(language)),
      questions: a.questions!.map((q) => q.trim()).slice(0, prompt.questions),
    },
  };
}

/**
 * Topic times as the reference sets them: in order, the first at 0, each ending where the next
 * starts (the last at the end), none shorter than a minute (a shorter one gives way to the next),
 * at most the range's maximum, and every detected pause listed as a break.
 */
function timeTopics(starts: Array<{ start: number; title: string }>, prompt: TopicsPrompt, brk: string): TopicEntry[] {
  const sorted = starts.filter((t) => t.title.toLowerCase() !== brk.toLowerCase()).sort((a, b) => a.start - b.start);
  const kept: Array<{ start: number; title: string }> = [];
  for (const t of sorted) {
    const last = kept.at(-1);
    if (last && t.start - last.start < MIN_TOPIC_SECONDS) continue;
    kept.push({ ...t });
  }
  if (kept[0]) kept[0].start = 0;
  const topics = kept.slice(0, prompt.range.max);
  const entries: TopicEntry[] = [
    ...topics.map((t, i) => ({ start: t.start, end: topics[i + 1]?.start ?? prompt.durationSeconds, title: t.title })),
  ];
  // A break cuts the topic it falls in; the topic resumes after it only if the model said so.
  const out: TopicEntry[] = [];
  for (const e of entries) {
    let piece: TopicEntry | undefined = { ...e };
    for (const b of prompt.breaks) {
      if (piece && b.start >= piece.start && b.start < piece.end) {
        const rest: TopicEntry | undefined = piece.end > b.end ? { start: b.end, end: piece.end, title: piece.title } : undefined;
        piece.end = b.start;
        if (piece.end - piece.start > 0) out.push(piece);
        piece = rest;
      }
    }
    if (piece && piece.end > piece.start) out.push(piece);
  }
  out.push(...prompt.breaks.map((b) => ({ start: b.start, end: b.end, title: brk })));
  return out.sort((a, b) => a.start - b.start).map((t) => ({ start: round3(t.start), end: round3(t.end), title: t.title }));
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;

export interface LlmTopicsResult {
  topics: ExtractedTopics;
  usage: { promptTokens: number; completionTokens: number; calls: number };
}

/**
 * Topics, summary, main topics and questions from a chat model (T4): one request; an answer that
 * is not the JSON asked for gets one repair request (the model is shown what was wrong), and a
 * second bad answer fails with `TRANSCRIPTION.LLM_OUTPUT_INVALID` (not retryable: at temperature 0
 * the same request gives the same answer).
 */
export class LlmTopicExtractor {
  constructor(private readonly chat: ChatClient) {}

  get model(): string {
    return this.chat.model;
  }

  async extract(
    transcript: Pick<MasterTranscript, 'segments' | 'durationSeconds' | 'language'>,
    options: { granularity: Granularity; questionsCount?: number; language?: string; signal?: AbortSignal },
  ): Promise<LlmTopicsResult> {
    const language = options.language || transcript.language || 'en';
    const prompt = buildTopicsPrompt(transcript, { granularity: options.granularity, questionsCount: options.questionsCount, language });
    const usage = { promptTokens: 0, completionTokens: 0, calls: 0 };
    const ask = async (messages: ChatMessage[]) => {
      const answer = await this.chat.complete(messages, { signal: options.signal });
      usage.promptTokens += answer.promptTokens;
      usage.completionTokens += answer.completionTokens;
      usage.calls += 1;
      return answer.content;
    };
    const first = await ask(prompt.messages);
    let parsed = parseTopicsAnswer(first, prompt, language);
    if (!parsed.ok) {
      const repair = await ask([
        ...prompt.messages,
        { role: 'assistant', content: first },
        { role: 'user', content: `That answer cannot be used: ${parsed.problem}. Answer again with only the JSON object in the shape asked for.` },
      ]);
      const second = parseTopicsAnswer(repair, prompt, language);
      if (!second.ok) {
        throw new LeapError('TRANSCRIPTION.LLM_OUTPUT_INVALID', `The language model did not answer with the topics JSON, even when asked to repair it: ${second.problem}`, {
          retryable: false,
          status: 502,
        });
      }
      parsed = second;
    }
    return { topics: { granularity: options.granularity, language, ...parsed.value }, usage };
  }
}
