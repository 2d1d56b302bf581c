import { LeapError } from '@leap/errors';
import type { MasterTranscript } from '../../transcript/master-transcript';
import type { ChatClient, ChatMessage } from './chat-client';
import { buildTopicsPrompt, LlmTopicExtractor, parseClock } from './llm-topics';

/** A chat model that answers from a script, and fails on any call past it. */
function scripted(...answers: string[]): ChatClient & { calls: ChatMessage[][] } {
  const calls: ChatMessage[][] = [];
  return {
    model: 'deepseek-chat',
    calls,
    async complete(messages) {
      calls.push([...messages]);
      const answer = answers[calls.length - 1];
      if (answer === undefined) throw new Error(`unexpected chat call ${calls.length}`);
      return { content: answer, promptTokens: 100, completionTokens: 10 };
    },
  };
}

/** 60 minutes: speech for 20, a 12-minute pause (with invented "thank you for watching" inside), speech again. */
const TRANSCRIPT: Pick<MasterTranscript, 'segments' | 'durationSeconds' | 'language'> = {
  language: 'en',
  durationSeconds: 3600,
  segments: [
    ...Array.from({ length: 20 }, (_, i) => ({ start: i * 60, end: i * 60 + 30, text: `Graphs and trees part ${i}.` })),
    { start: 1500, end: 1503, text: 'Thanks for watching!' },
    ...Array.from({ length: 28 }, (_, i) => ({ start: 1920 + i * 60, end: 1920 + i * 60 + 30, text: `Shortest paths part ${i}.` })),
  ],
};

const ANSWER = JSON.stringify({
  summary: 'A lecture on graphs and shortest paths.',
  main_topics: ['Graphs and trees', 'Shortest paths'],
  topics: [
    { start: '00:00:10', title: 'Graphs' },
    { start: '00:00:40', title: 'Too short to keep' },
    { start: '00:10:00', title: 'Trees' },
    { start: '00:19:30', title: 'Break' },
    { start: '00:32:00', title: 'Dijkstra' },
    { start: '00:45:00', title: 'Bellman-Ford' },
  ],
  questions: ['What is a tree?', 'How does Dijkstra work?', 'When do negative edges matter?', 'One too many'],
});

describe('buildTopicsPrompt', () => {
  it('gives the model the noise-filtered lines with times, the topic range of the granularity table, the pauses and the question count', () => {
    const prompt = buildTopicsPrompt(TRANSCRIPT, { granularity: 'medium', questionsCount: 3, language: 'en' });
    const user = prompt.messages[1]!.content;
    expect(prompt.range).toEqual({ min: 3, max: 15 });
    expect(user).toContain('between 3 and 15 topics');
    expect(user).toContain('exactly 3 self-check questions');
    expect(user).toContain('The lecture pauses from 00:19:30 to 00:32:00: list each pause as a topic titled "Break" at its start.');
    expect(user).toContain('[00:01:00] Graphs and trees part 1.');
    expect(user).not.toContain('Thanks for watching');
    expect(prompt.messages[0]!.content).toContain('"topics": [{"start": "HH:MM:SS", "title": string}]');
  });

  it.each([
    [10, 'short', 3, 3],
    [10, 'long', 3, 4],
    [30, 'short', 3, 6],
    [30, 'medium', 3, 8],
    [30, 'long', 3, 10],
    [90, 'short', 3, 18],
    [90, 'medium', 5, 23],
    [90, 'long', 8, 30],
    [180, 'medium', 9, 30],
    [600, 'long', 25, 30],
  ] as const)('asks a %i-minute lecture at %s granularity for %i to %i topics', (minutes, granularity, min, max) => {
    const transcript = { language: 'en', durationSeconds: minutes * 60, segments: [{ start: 0, end: 5, text: 'Hello.' }] };
    expect(buildTopicsPrompt(transcript, { granularity, language: 'en' }).range).toEqual({ min, max });
  });
});

describe('LlmTopicExtractor', () => {
  it('times the topics from the answer: first at 0, each to the next, none under a minute, the pause as a break, questions as asked', async () => {
    const chat = scripted(ANSWER);
    const { topics, usage } = await new LlmTopicExtractor(chat).extract(TRANSCRIPT, { granularity: 'medium', questionsCount: 3 });
    expect(topics).toEqual({
      granularity: 'medium',
      language: 'en',
      summary: 'A lecture on graphs and shortest paths.',
      mainTopics: ['Graphs and trees', 'Shortest paths'],
      topics: [
        { start: 0, end: 600, title: 'Graphs' },
        { start: 600, end: 1170, title: 'Trees' },
        { start: 1170, end: 1920, title: 'Break' },
        { start: 1920, end: 2700, title: 'Dijkstra' },
        { start: 2700, end: 3600, title: 'Bellman-Ford' },
      ],
      questions: ['What is a tree?', 'How does Dijkstra work?', 'When do negative edges matter?'],
    });
    expect(usage).toEqual({ promptTokens: 100, completionTokens: 10, calls: 1 });
  });

  it('asks once to repair an answer that is not the JSON asked for, showing what was wrong', async () => {
    const chat = scripted('Sure! Here are the topics: {"summary": "oops"', ANSWER);
    const { topics, usage } = await new LlmTopicExtractor(chat).extract(TRANSCRIPT, { granularity: 'medium' });
    expect(topics.topics).toHaveLength(5);
    expect(usage).toEqual({ promptTokens: 200, completionTokens: 20, calls: 2 });
    expect(chat.calls[1]!.at(-2)).toEqual({ role: 'assistant', content: 'Sure! Here are the topics: {"summary": "oops"' });
    expect(chat.calls[1]!.at(-1)!.content).toMatch(/^That answer cannot be used: the answer is not JSON/);
  });

  it('fails clearly, not retryable, when the repaired answer is no better', async () => {
    const chat = scripted('{"summary": "x"}', '{"summary": "x", "topics": []}');
    const error = (await new LlmTopicExtractor(chat).extract(TRANSCRIPT, { granularity: 'short' }).catch((e: unknown) => e)) as LeapError;
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.LLM_OUTPUT_INVALID', retryable: false });
    expect(error.message).toContain('"topics" must be a non-empty list');
    expect(chat.calls).toHaveLength(2);
  });
});

describe('parseClock', () => {
  it('reads HH:MM:SS and MM:SS and refuses the rest', () => {
    expect([parseClock('01:02:03'), parseClock('12:30'), parseClock('1:00:00.5'), parseClock('00:61:00'), parseClock(90), parseClock('soon')]).toEqual([
      3723, 750, 3600, undefined, undefined, undefined,
    ]);
  });
});
