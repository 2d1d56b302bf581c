import type { MasterTranscript, TranscriptSegment } from '../transcript/master-transcript';
import { STOP_WORDS } from './stop-words';

/** How detailed the topic list is, as the reference names it. */
export type Granularity = 'short' | 'medium' | 'long';

/** Minutes per topic at each granularity (the reference's rules: "long" is the most detailed). */
export const MINUTES_PER_TOPIC: Readonly<Record<Granularity, { min: number; max: number }>> = {
  short: { min: 5, max: 40 },
  medium: { min: 4, max: 20 },
  long: { min: 3, max: 12 },
};

/** A gap between two segments at least this long is listed as a break, in seconds (8 minutes). */
export const BREAK_GAP_SECONDS = 8 * 60;
/** Shortest topic, in seconds: a transcript shorter than n minutes gets at most n topics. */
export const MIN_TOPIC_SECONDS = 60;

export const DEFAULT_QUESTIONS_COUNT = 3;

export interface TopicEntry {
  start: number;
  end: number;
  title: string;
}

/** What one extraction produces: a topic version without its number and date. */
export interface ExtractedTopics {
  granularity: Granularity;
  language: string;
  summary: string;
  mainTopics: string[];
  topics: TopicEntry[];
  questions: string[];
  /** How it was made: by a language model, or extracted from the transcript alone. */
  method?: 'llm' | 'extractive';
  /** The language model, for `llm`. */
  model?: string;
  /** Tokens the language model used, for `llm`. */
  usage?: { promptTokens: number; completionTokens: number };
}

/**
 * The reference's topic-count range for a duration: the minimum is clamped to [3, 25], the
 * maximum capped at 30.
 */
export function topicCountRange(durationSeconds: number, granularity: Granularity): { min: number; max: number } {
  const minutes = durationSeconds / 60;
  const per = MINUTES_PER_TOPIC[granularity];
  const min = Math.min(25, Math.max(3, Math.ceil(minutes / per.max)));
  const max = Math.min(30, Math.max(min, Math.ceil(minutes / per.min)));
  return { min, max };
}

/**
 * How many topics to produce: the geometric mean of the reference's range, but never more than
 * the transcript can fill (one topic per minute of duration, one per two segments).
 */
export function targetTopicCount(durationSeconds: number, granularity: Granularity, segmentCount: number): number {
  if (segmentCount === 0) return 0;
  const range = topicCountRange(durationSeconds, granularity);
  const wanted = Math.round(Math.sqrt(range.min * range.max));
  const fillable = Math.max(1, Math.min(Math.floor(durationSeconds / MIN_TOPIC_SECONDS), Math.floor(segmentCount / 2)));
  return Math.max(1, Math.min(wanted, fillable));
}

/** Content words of a text: lower case, letters only, no stop words, at least three letters. */
export function contentWords(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}[\p{L}'’-]*/gu) ?? [])
    .map((w) => w.replace(/['’-]+$/u, ''))
    .filter((w) => w.length >= 3 && !STOP_WORDS.has(w));
}

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** `HH:MM:SS`, as topic lines and questions show times. */
export function clock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(total / 3600))}:${two(Math.floor(total / 60) % 60)}:${two(total % 60)}`;
}

interface Block {
  segments: TranscriptSegment[];
}

/** Splits the segments at long pauses; returns the blocks and the breaks between them. */
function splitAtBreaks(segments: readonly TranscriptSegment[]): { blocks: Block[]; breaks: Array<{ start: number; end: number }> } {
  const blocks: Block[] = [];
  const breaks: Array<{ start: number; end: number }> = [];
  let current: TranscriptSegment[] = [];
  for (const segment of segments) {
    const last = current[current.length - 1];
    if (last && segment.start - last.end >= BREAK_GAP_SECONDS) {
      blocks.push({ segments: current });
      breaks.push({ start: last.end, end: segment.start });
      current = [];
    }
    current.push(segment);
  }
  if (current.length > 0) blocks.push({ segments: current });
  return { blocks, breaks };
}

/** Cuts a block into at most `count` windows of about equal time, at segment boundaries. */
function windowsOf(block: Block, count: number): TranscriptSegment[][] {
  const start = block.segments[0]!.start;
  const end = block.segments[block.segments.length - 1]!.end;
  const length = Math.max(end - start, 1e-6);
  const windows: TranscriptSegment[][] = Array.from({ length: count }, () => []);
  for (const segment of block.segments) {
    const index = Math.min(count - 1, Math.floor(((segment.start - start) / length) * count));
    windows[index]!.push(segment);
  }
  return windows.filter((w) => w.length > 0);
}

function frequencies(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/**
 * Keywords of each window, best first: term frequency in the window weighted by how few windows
 * use the word; ties go to the word heard first.
 */
function keywordsByWindow(windows: readonly TranscriptSegment[][]): string[][] {
  const words = windows.map((w) => contentWords(w.map((s) => s.text).join(' ')));
  const df = new Map<string, number>();
  for (const list of words) for (const w of new Set(list)) df.set(w, (df.get(w) ?? 0) + 1);
  return words.map((list) => {
    const tf = frequencies(list);
    const firstSeen = new Map<string, number>();
    list.forEach((w, i) => firstSeen.has(w) || firstSeen.set(w, i));
    const score = (w: string) => tf.get(w)! * Math.log(1 + windows.length / df.get(w)!);
    return [...tf.keys()].sort((a, b) => score(b) - score(a) || firstSeen.get(a)! - firstSeen.get(b)!);
  });
}

const TEXT = {
  en: {
    break: 'Break',
    part: (n: number) => `Part ${n}`,
    about: (k: string) => `What does the lecture say about ${k}?`,
    relate: (a: string, b: string) => `How is ${a} related to ${b}?`,
    explain: (title: string, at: string) => `Explain "${title}" (from ${at}) in your own words.`,
    generic: [
      'What is the main idea of this lecture?',
      'Which example from the lecture would you explain to a classmate, and how?',
      'What question would you ask the lecturer after this lecture?',
      'Which part of the lecture was new to you, and why?',
      'How would you summarise the lecture in three sentences?',
      'What could you apply from this lecture in practice?',
      'Which term from the lecture would you look up to learn more?',
      'What is the most important conclusion of the lecture?',
      'How does this lecture connect to what you already knew?',
      'What would you put on a one-page summary of the lecture?',
    ],
  },
  ru: {
    break: 'Перерыв',
    part: (n: number) => `Часть ${n}`,
    about: (k: string) => `Что говорится в лекции о теме «${k}»?`,
    relate: (a: string, b: string) => `Как связаны «${a}» и «${b}»?`,
    explain: (title: string, at: string) => `Объясните своими словами тему «${title}» (с ${at}).`,
    generic: [
      'Какова главная мысль лекции?',
      'Какой пример из лекции вы объяснили бы однокурснику и как?',
      'Какой вопрос вы задали бы лектору после лекции?',
      'Что в лекции было для вас новым и почему?',
      'Как пересказать лекцию в трёх предложениях?',
      'Что из лекции можно применить на практике?',
      'Какой термин из лекции стоит изучить подробнее?',
      'Каков самый важный вывод лекции?',
      'Как лекция связана с тем, что вы уже знали?',
      'Что вы включили бы в конспект лекции на одну страницу?',
    ],
  },
};

function textFor(language: string) {
  return language.toLowerCase().startsWith('ru') ? TEXT.ru : TEXT.en;
}

/** A sentence as a summary shows it: capitalised and ended with a full stop. */
function asSentence(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  const withCap = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(withCap) ? withCap : `${withCap}.`;
}

/**
 * The summary: the most central segments (those whose content words are the most frequent in the
 * whole transcript), in the order they were spoken. One sentence per five segments, one to three.
 */
function summarise(segments: readonly TranscriptSegment[]): string {
  const global = frequencies(contentWords(segments.map((s) => s.text).join(' ')));
  const scored = segments.map((segment, index) => {
    const words = contentWords(segment.text);
    const unique = [...new Set(words)];
    const score = unique.length === 0 ? 0 : unique.reduce((sum, w) => sum + global.get(w)!, 0) / Math.sqrt(words.length);
    return { segment, index, score };
  });
  const count = Math.min(3, Math.max(1, Math.ceil(segments.length / 5)));
  return scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, count)
    .sort((a, b) => a.index - b.index)
    .map((s) => asSentence(s.segment.text))
    .join(' ');
}

/** Self-check questions from the transcript's keywords and topics, always `count` distinct ones. */
function makeQuestions(
  count: number,
  keywords: readonly string[],
  topics: readonly TopicEntry[],
  text: ReturnType<typeof textFor>,
  breakTitle: string,
): string[] {
  const candidates: string[] = [];
  const real = topics.filter((t) => t.title !== breakTitle);
  const rounds = Math.max(keywords.length, real.length);
  for (let i = 0; i < rounds; i++) {
    if (keywords[i]) candidates.push(text.about(keywords[i]!));
    if (keywords[2 * i] && keywords[2 * i + 1]) candidates.push(text.relate(keywords[2 * i]!, keywords[2 * i + 1]!));
    if (real[i] && real.length > 1) candidates.push(text.explain(real[i]!.title, clock(real[i]!.start)));
  }
  candidates.push(...text.generic);
  return [...new Set(candidates)].slice(0, count);
}

/** Clamps a requested question count to 1..10; absent or zero means the default (3). */
export function questionsCountOf(requested: number | undefined): number {
  if (!requested || requested <= 0) return DEFAULT_QUESTIONS_COUNT;
  return Math.min(10, Math.max(1, Math.floor(requested)));
}

/**
 * Extractive topics from a transcript alone (no language model): time windows sized by the
 * reference's granularity rules, titled by their most salient words; breaks for long pauses; a
 * summary from the most central sentences; main topics; self-check questions.
 */
export function extractTopics(
  transcript: Pick<MasterTranscript, 'segments' | 'durationSeconds' | 'language'>,
  options: { granularity?: Granularity; questionsCount?: number; language?: string } = {},
): ExtractedTopics {
  const granularity = options.granularity ?? 'medium';
  const language = options.language || transcript.language || 'en';
  const text = textFor(language);
  const segments = transcript.segments.filter((s) => s.text.trim().length > 0);
  const duration = Math.max(transcript.durationSeconds, segments[segments.length - 1]?.end ?? 0);
  const { blocks, breaks } = splitAtBreaks(segments);
  const target = targetTopicCount(duration, granularity, segments.length);

  const speech = blocks.map((b) => b.segments[b.segments.length - 1]!.end - b.segments[0]!.start);
  const totalSpeech = speech.reduce((a, b) => a + b, 0) || 1;
  const windows: TranscriptSegment[][] = [];
  blocks.forEach((block, i) => {
    const share = Math.max(1, Math.round((target * speech[i]!) / totalSpeech));
    windows.push(...windowsOf(block, Math.min(share, Math.max(1, Math.floor(block.segments.length / 2)))));
  });

  const keywords = keywordsByWindow(windows);
  const entries: Array<TopicEntry & { weight: number }> = windows.map((w, i) => {
    const top = keywords[i]!.slice(0, 3);
    return {
      start: w[0]!.start,
      end: w[w.length - 1]!.end,
      title: top.length > 0 ? top.map(capitalize).join(' ') : text.part(i + 1),
      weight: w.reduce((sum, s) => sum + (s.end - s.start), 0),
    };
  });
  const all = [
    ...entries,
    ...breaks.map((b) => ({ start: b.start, end: b.end, title: text.break, weight: 0 })),
  ].sort((a, b) => a.start - b.start);
  if (all[0] && all[0].title !== text.break) all[0].start = 0;
  // A topic runs until the next one starts; the last one to the end of the recording.
  const topics: TopicEntry[] = all.map((entry, i) => ({
    start: round3(entry.start),
    end: round3(entry.title === text.break ? entry.end : (all[i + 1]?.start ?? duration)),
    title: entry.title,
  }));

  const mainTopics = [...new Set(entries.slice().sort((a, b) => b.weight - a.weight).map((e) => e.title))].slice(0, 5);
  const globalKeywords = keywordsByWindow([segments])[0] ?? [];
  return {
    granularity,
    language,
    summary: summarise(segments),
    mainTopics,
    topics,
    questions: makeQuestions(questionsCountOf(options.questionsCount), globalKeywords.slice(0, 10), topics, text, text.break),
  };
}

const round3 = (value: number): number => Math.round(value * 1000) / 1000;
