import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectKind, type GenerateSubtitles } from '@leap/contracts';
import type { LeapError } from '@leap/errors';
import { runTool, binaryPath } from '@leap/media-tools';
import { storageKeys, type ObjectStore } from '@leap/storage-client';
import { startFakeChat, type FakeChat, type FakeChatRequest } from '@leap/testing';
import { RecordingObjectsRepository } from '../storage/recording-objects.repository';
import type { MasterTranscript } from '../transcript/master-transcript';
import { OpenAiChatClient } from '../topics/llm/chat-client';
import { SubtitlesService } from './subtitles.service';
import { cueProblems, SubtitleTranslator } from './translation';
import type { SubtitleCue } from './subtitles';

const USER = 'user-1';
const RECORDING = 'rec-1';

/** A "translator" that answers in German-ish: every word doubled in length, so lines must be re-wrapped. */
function translating(request: FakeChatRequest): string {
  const { cues } = JSON.parse(request.messages[1]!.content) as { cues: Array<{ id: number; text: string }> };
  return JSON.stringify({ cues: cues.map((c) => ({ id: c.id, text: c.text.split(' ').map((w) => `${w}${w.toLowerCase()}`).join(' ') })) });
}

function memoryStore(): ObjectStore & { objects: Map<string, Buffer> } {
  const objects = new Map<string, Buffer>();
  return {
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
  } as unknown as ObjectStore & { objects: Map<string, Buffer> };
}

/** SRT cues back from text: start, end and lines. */
function parseSrt(text: string): SubtitleCue[] {
  const seconds = (t: string) => {
    const [h, m, rest] = t.split(':');
    return Number(h) * 3600 + Number(m) * 60 + Number(rest!.replace(',', '.'));
  };
  return text
    .trim()
    .split('\n\n')
    .map((block) => {
      const [, times, ...lines] = block.split('\n');
      const [start, end] = times!.split(' --> ');
      return { start: seconds(start!), end: seconds(end!), lines };
    });
}

describe('subtitle translation through the chat API (the fake)', () => {
  let chat: FakeChat;
  let dir: string;

  beforeAll(async () => {
    chat = await startFakeChat({ respond: translating });
    dir = await mkdtemp(join(tmpdir(), 'leap-translation-'));
  });
  afterAll(async () => {
    await chat?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one SRT and VTT per language, every cue inside its original time span, valid, and readable by ffmpeg as subtitles', async () => {
    const store = memoryStore();
    const segments = Array.from({ length: 130 }, (_, i) => ({ start: i * 5, end: i * 5 + 4, text: `Sentence number ${i} says something about graphs and trees today.` }));
    const master: MasterTranscript = { version: 1, language: 'en', provider: 't', model: 't', durationSeconds: 650, words: [], segments, stats: { wordCount: 0 } };
    const key = storageKeys.masterTranscript(USER, RECORDING);
    await store.put(key, JSON.stringify(master));
    const service = new SubtitlesService(new RecordingObjectsRepository(store), new SubtitleTranslator(new OpenAiChatClient({ baseUrl: chat.url, apiKey: chat.apiKey, model: 'deepseek-chat' })));
    const command: GenerateSubtitles = { recordingId: RECORDING, userId: USER, transcript: { key, sizeBytes: '1', kind: ObjectKind.TRANSCRIPT }, translateTo: ['de', 'fr', 'en'] };
    const before = chat.requests.length;
    const result = await service.generate(command);

    // The source language is not translated; 130 cues go in batches of 60.
    expect(result.translations.map((t) => [t.language, t.srt.key, t.vtt.key])).toEqual([
      ['de', storageKeys.translatedSubtitles(USER, RECORDING, 'de', 'srt'), storageKeys.translatedSubtitles(USER, RECORDING, 'de', 'vtt')],
      ['fr', storageKeys.translatedSubtitles(USER, RECORDING, 'fr', 'srt'), storageKeys.translatedSubtitles(USER, RECORDING, 'fr', 'vtt')],
    ]);
    expect(chat.requests.length - before).toBe(6);
    expect(result.tokens!.prompt).toBeGreaterThan(0);

    const original = parseSrt(store.objects.get(storageKeys.subtitles(USER, RECORDING, 'srt'))!.toString('utf8'));
    for (const t of result.translations) {
      const srt = store.objects.get(t.srt.key)!.toString('utf8');
      const cues = parseSrt(srt);
      expect(cueProblems(cues, { maxLineLength: 42, maxLines: 2 })).toEqual([]);
      // Every translated cue lies inside one original cue, and every original cue is covered from its start to its end.
      for (const cue of cues) expect(original.some((o) => cue.start >= o.start - 1e-3 && cue.end <= o.end + 1e-3)).toBe(true);
      for (const o of original) {
        expect(cues.some((c) => Math.abs(c.start - o.start) < 1e-3)).toBe(true);
        expect(cues.some((c) => Math.abs(c.end - o.end) < 1e-3)).toBe(true);
      }
      expect(cues.length).toBeGreaterThan(original.length);
      for (const [format, ref] of [['srt', t.srt], ['vtt', t.vtt]] as const) {
        const file = join(dir, `${t.language}.${format}`);
        await writeFile(file, store.objects.get(ref.key)!);
        const probe = JSON.parse((await runTool(binaryPath('ffprobe'), ['-v', 'error', '-show_streams', '-of', 'json', file])).stdout) as { streams: Array<{ codec_type: string; codec_name: string }> };
        expect(probe.streams).toEqual([expect.objectContaining({ codec_type: 'subtitle', codec_name: format === 'srt' ? 'subrip' : 'webvtt' })]);
      }
    }
  });

  it('repairs an answer with cues missing once, and fails clearly when the repair is no better', async () => {
    const cues: SubtitleCue[] = [
      { start: 0, end: 2, lines: ['Hello students.'] },
      { start: 2, end: 4, lines: ['Graphs today.'] },
    ];
    const translator = new SubtitleTranslator(new OpenAiChatClient({ baseUrl: chat.url, apiKey: chat.apiKey, model: 'deepseek-chat' }));
    const answers = [JSON.stringify({ cues: [{ id: 1, text: 'Hallo' }] })];
    chat.respond = (r) => answers.shift() ?? translating(r);
    const { cues: translated } = await translator.translate(cues, 'de', { maxLineLength: 42, maxLines: 2 });
    expect(translated.map((c) => [c.start, c.end])).toEqual([
      [0, 2],
      [2, 4],
    ]);
    chat.respond = () => 'Entschuldigung, nein.';
    const error = (await translator.translate(cues, 'de', { maxLineLength: 42, maxLines: 2 }).catch((e: unknown) => e)) as LeapError;
    expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.LLM_OUTPUT_INVALID', retryable: false });
    chat.respond = translating;
  });
});
