import { createHash } from 'node:crypto';
import { ObjectKind, TopicGranularity, type ExtractTopics } from '@leap/contracts';
import type { LeapError } from '@leap/errors';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { startFakeChat, type FakeChat, type FakeChatRequest } from '@leap/testing';
import { RecordingObjectsRepository } from '../../storage/recording-objects.repository';
import type { MasterTranscript } from '../../transcript/master-transcript';
import type { TopicsDocument } from '../topics-document';
import { TopicsService } from '../topics.service';
import { OpenAiChatClient } from './chat-client';
import { LlmTopicExtractor } from './llm-topics';

const USER = 'user-1';
const RECORDING = 'rec-1';

/** A model that does what the prompt asks: as many topics as the range allows at most, evenly spread. */
function obedient(request: FakeChatRequest): string {
  const max = Number(/between \d+ and (\d+) topics/.exec(request.messages[1]!.content)?.[1] ?? 3);
  const questions = Number(/exactly (\d+) self-check/.exec(request.messages[1]!.content)?.[1] ?? 3);
  const seconds = Number(/The lecture lasts (\d+):(\d+):(\d+)/.exec(request.messages[1]!.content)!.slice(1).reduce((s, v, i) => s + Number(v) * [3600, 60, 1][i]!, 0));
  const at = (s: number) => new Date(Math.floor(s) * 1000).toISOString().slice(11, 19);
  return JSON.stringify({
    summary: 'A lecture.',
    main_topics: ['Main topic'],
    topics: Array.from({ length: max }, (_, i) => ({ start: at((i * seconds) / max), title: `Topic ${i + 1}` })),
    questions: Array.from({ length: questions }, (_, i) => `Question ${i + 1}?`),
  });
}

function transcript(minutes: number): MasterTranscript {
  const segments = Array.from({ length: minutes }, (_, i) => ({ start: i * 60, end: i * 60 + 40, text: `Minute ${i} of the lecture.` }));
  return { version: 1, language: 'en', provider: 'test', model: 'test', durationSeconds: minutes * 60, words: [], segments, stats: { wordCount: 0 } };
}

/** An in-memory object store with just what the topics stage uses. */
function memoryStore(): ObjectStore & { objects: Map<string, Buffer> } {
  const objects = new Map<string, Buffer>();
  const store = {
    objects,
    getBuffer: async (key: string) => {
      const body = objects.get(key);
      if (!body) throw Object.assign(new Error(`no ${key}`), { code: 'STORAGE.NOT_FOUND' });
      return body;
    },
    put: async (key: string, body: string | Buffer) => {
      objects.set(key, Buffer.from(body));
      return { key, sizeBytes: Buffer.byteLength(body), checksumSha256: createHash('sha256').update(body).digest('hex') };
    },
  };
  return store as unknown as ObjectStore & { objects: Map<string, Buffer> };
}

describe('topics through an OpenAI-compatible chat API (the fake)', () => {
  let chat: FakeChat;
  let extractor: LlmTopicExtractor;

  beforeAll(async () => {
    chat = await startFakeChat({ respond: obedient });
    extractor = new LlmTopicExtractor(new OpenAiChatClient({ baseUrl: chat.url, apiKey: chat.apiKey, model: 'deepseek-chat' }));
  });
  afterAll(() => chat?.close());

  it('asks as DeepSeek is asked: the model, temperature 0, 8000 tokens, JSON output, the key', async () => {
    await extractor.extract(transcript(20), { granularity: 'medium' });
    expect(chat.requests.at(-1)).toMatchObject({ model: 'deepseek-chat', temperature: 0, max_tokens: 8000, response_format: { type: 'json_object' } });
  });

  it.each([
    [10, 'short', 3],
    [30, 'medium', 8],
    [45, 'long', 15],
    [90, 'medium', 23],
    [120, 'long', 30],
  ] as const)('a %i-minute lecture at %s granularity gets %i topics', async (minutes, granularity, count) => {
    const { topics } = await extractor.extract(transcript(minutes), { granularity });
    expect(topics.topics).toHaveLength(count);
  });

  it('repairs malformed JSON with one more request, and fails clearly when the repair is malformed too', async () => {
    const answers = ['{"summary": "cut off', undefined];
    chat.respond = (request) => answers.shift() ?? obedient(request);
    const before = chat.requests.length;
    const { topics, usage } = await extractor.extract(transcript(30), { granularity: 'medium', questionsCount: 4 });
    expect(chat.requests.length - before).toBe(2);
    expect(topics.questions).toHaveLength(4);
    expect(usage.calls).toBe(2);

    chat.respond = () => 'I cannot help with that.';
    const error = (await extractor.extract(transcript(30), { granularity: 'medium' }).catch((e: unknown) => e)) as LeapError;
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.LLM_OUTPUT_INVALID', retryable: false });
    chat.respond = obedient;
  });

  it('maps a 429 to a retryable error with Retry-After and a bad key to PROVIDER_AUTH', async () => {
    chat.faults.push({ status: 429, retryAfterSeconds: 3 });
    const limited = (await extractor.extract(transcript(10), { granularity: 'short' }).catch((e: unknown) => e)) as LeapError;
    expect({ code: limited.code, retryable: limited.retryable, after: limited.details?.retryAfterSeconds }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_RATE_LIMITED', retryable: true, after: 3 });
    const wrongKey = new LlmTopicExtractor(new OpenAiChatClient({ baseUrl: chat.url, apiKey: 'nope', model: 'deepseek-chat' }));
    const auth = (await wrongKey.extract(transcript(10), { granularity: 'short' }).catch((e: unknown) => e)) as LeapError;
    expect({ code: auth.code, retryable: auth.retryable }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_AUTH', retryable: false });
  });

  it('makes every extraction a new active version, records the model and tokens, and leaves the transcript’s bytes alone', async () => {
    const store = memoryStore();
    const key = storageKeys.masterTranscript(USER, RECORDING);
    await store.put(key, JSON.stringify(transcript(60)));
    const bytes = Buffer.from(store.objects.get(key)!);
    const service = new TopicsService(new RecordingObjectsRepository(store), extractor);
    const command: ExtractTopics = { recordingId: RECORDING, userId: USER, transcript: { key, sizeBytes: String(bytes.length), kind: ObjectKind.TRANSCRIPT }, granularity: TopicGranularity.SHORT };
    const first = await service.extract(command, 'message-1');
    const second = await service.extract({ ...command, granularity: TopicGranularity.LONG }, 'message-2');
    const again = await service.extract({ ...command, granularity: TopicGranularity.LONG }, 'message-2');
    expect([first.version.version, second.version.version, again.version.version]).toEqual([1, 2, 2]);
    const document = JSON.parse(store.objects.get(storageKeys.topics(USER, RECORDING))!.toString('utf8')) as TopicsDocument;
    expect(document.activeVersion).toBe(2);
    expect(document.versions.map((v) => [v.version, v.granularity, v.method, v.model, v.topics.length])).toEqual([
      [1, 'short', 'llm', 'deepseek-chat', 12],
      [2, 'long', 'llm', 'deepseek-chat', 20],
    ]);
    expect(document.versions[1]!.usage!.promptTokens).toBeGreaterThan(0);
    expect(store.objects.get(key)!.equals(bytes)).toBe(true);
  });
});
