import { LeapError } from '@leap/errors';
import type { ChatClient, ChatMessage } from '../topics/llm/chat-client';
import { buildCues, type CueOptions, type SubtitleCue } from './subtitles';

/** Cues sent in one chat request. */
export const CUES_PER_REQUEST = 60;

/**
 * Problems of a cue list: out of order, overlapping, empty, lines too long or too many. Empty when
 * the list is valid.
 */
export function cueProblems(cues: readonly SubtitleCue[], options: Required<CueOptions>): string[] {
  const problems: string[] = [];
  cues.forEach((cue, i) => {
    if (!(cue.end > cue.start)) problems.push(`cue ${i + 1} ends before it starts`);
    if (i > 0 && cue.start < cues[i - 1]!.end - 1e-6) problems.push(`cue ${i + 1} overlaps cue ${i}`);
    if (cue.lines.length === 0 || cue.lines.length > options.maxLines) problems.push(`cue ${i + 1} has ${cue.lines.length} lines`);
    for (const line of cue.lines) if (line.length > options.maxLineLength) problems.push(`cue ${i + 1} has a line of ${line.length} characters`);
  });
  return problems;
}

/** The model's answer for one batch, or what is wrong with it. */
function parseBatch(content: string, ids: readonly number[]): { ok: true; texts: Map<number, string> } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(content.trim().replace(/^```(?:json)?\s*/i, '').replace(/\s*```$/, ''));
  } catch (error) {
    return { ok: false, problem: `the answer is not JSON (${(error as Error).message})` };
  }
  const cues = (value as { cues?: unknown })?.cues;
  if (!Array.isArray(cues)) return { ok: false, problem: '"cues" must be a list' };
  const texts = new Map<number, string>();
  for (const c of cues as Array<{ id?: unknown; text?: unknown }>) {
    if (typeof c?.id === 'number' && typeof c.text === 'string' && c.text.trim()) texts.set(c.id, c.text.replace(/\s+/g, ' ').trim());
  }
  const missing = ids.filter((id) => !texts.has(id));
  if (missing.length > 0) return { ok: false, problem: `cues ${missing.slice(0, 10).join(', ')} are missing or empty; every id must come back once, with its text` };
  return { ok: true, texts };
}

/**
 * Subtitles in another language through the chat model (T10): the cues' texts go in batches as
 * JSON (`{"cues": [{"id", "text"}]}`) and must come back with the same ids; a bad answer gets one
 * repair request, a second fails with `TRANSCRIPTION.LLM_OUTPUT_INVALID`. Each translated text is
 * wrapped to the line limits inside its cue's own time span (a text that needs more lines
 * becomes several cues sharing that span), so no timing moves past a cue boundary.
 */
export class SubtitleTranslator {
  constructor(private readonly chat: ChatClient) {}

  async translate(
    cues: readonly SubtitleCue[],
    language: string,
    options: Required<CueOptions> & { signal?: AbortSignal },
  ): Promise<{ cues: SubtitleCue[]; promptTokens: number; completionTokens: number }> {
    let promptTokens = 0;
    let completionTokens = 0;
    const translated: SubtitleCue[] = [];
    for (let from = 0; from < cues.length; from += CUES_PER_REQUEST) {
      const batch = cues.slice(from, from + CUES_PER_REQUEST);
      const ids = batch.map((_, i) => from + i + 1);
      const messages: ChatMessage[] = [
        {
          role: 'system',
          content:
            `You translate subtitles into the language with code "${language}". Answer with one JSON object and nothing else: ` +
            '{"cues": [{"id": number, "text": string}]}, one entry per cue given, same ids, each text translated on its own, short enough to read at subtitle speed.',
        },
        { role: 'user', content: JSON.stringify({ target_language: language, cues: batch.map((c, i) => ({ id: ids[i], text: c.lines.join(' ') })) }) },
      ];
      const ask = async (conversation: ChatMessage[]) => {
        const answer = await this.chat.complete(conversation, { signal: options.signal });
        promptTokens += answer.promptTokens;
        completionTokens += answer.completionTokens;
        return answer.content;
      };
      const first = await ask(messages);
      let parsed = parseBatch(first, ids);
      if (!parsed.ok) {
        const again = await ask([...messages, { role: 'assistant', content: first }, { role: 'user', content: `That answer cannot be used: ${parsed.problem}. Answer again with only the JSON object.` }]);
        parsed = parseBatch(again, ids);
        if (!parsed.ok) {
          throw new LeapError('TRANSCRIPTION.LLM_OUTPUT_INVALID', `The language model did not answer with the translated cues (${language}), even when asked to repair it: ${parsed.problem}`, {
            retryable: false,
            status: 502,
          });
        }
      }
      const texts = parsed.texts;
      batch.forEach((cue, i) => translated.push(...buildCues([{ start: cue.start, end: cue.end, text: texts.get(ids[i]!)! }], options)));
    }
    const problems = cueProblems(translated, options);
    if (problems.length > 0) {
      throw new LeapError('TRANSCRIPTION.SUBTITLES_INVALID', `The ${language} subtitles are not valid: ${problems.slice(0, 5).join('; ')}`, { retryable: false, status: 422 });
    }
    return { cues: translated, promptTokens, completionTokens };
  }
}
