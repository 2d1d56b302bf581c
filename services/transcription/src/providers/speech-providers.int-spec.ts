import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeapError } from '@leap/errors';
import { startFakeAssemblyAi, startFakeOpenAiTranscription, type FakeAssemblyAi, type FakeOpenAiTranscription, type FakeRecogniser } from '@leap/testing';
import { AssemblyAiProvider } from './assemblyai.provider';
import { OpenAiCompatibleProvider } from './openai-compatible.provider';

const WORDS = [
  { text: 'Good', start: 0.5, end: 0.8 },
  { text: 'morning.', start: 0.9, end: 1.4 },
  { text: 'Primes', start: 3.0, end: 3.5 },
  { text: 'today.', start: 3.6, end: 4.1 },
];
const recognise: FakeRecogniser = async () => ({ words: WORDS, durationSeconds: 5, language: 'en' });

async function failure(promise: Promise<unknown>): Promise<LeapError> {
  try {
    await promise;
  } catch (error) {
    return error as LeapError;
  }
  throw new Error('expected a failure');
}

describe('speech providers against their fake APIs', () => {
  let dir: string;
  let audio: string;
  let openai: FakeOpenAiTranscription;
  let assembly: FakeAssemblyAi;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'leap-providers-'));
    audio = join(dir, 'chunk.mp3');
    await writeFile(audio, Buffer.from('ID3 pretend mp3 bytes'));
    openai = await startFakeOpenAiTranscription({ recognise });
    assembly = await startFakeAssemblyAi({ recognise });
  });
  afterAll(async () => {
    await openai?.close();
    await assembly?.close();
    await rm(dir, { recursive: true, force: true });
  });

  describe('OpenAI-compatible', () => {
    const provider = () => new OpenAiCompatibleProvider({ baseUrl: openai.url, apiKey: openai.apiKey, model: 'whisper-1' });

    it('sends verbose_json with word and segment timestamps, the language and the key terms, and reads words, segments and language', async () => {
      const result = await provider().transcribe(audio, { language: 'en-GB', vocabulary: ['Prime numbers', 'Euclid'] });
      expect(result).toEqual({
        language: 'en',
        durationSeconds: 5,
        words: WORDS,
        segments: [
          { start: 0.5, end: 1.4, text: 'Good morning.' },
          { start: 3.0, end: 4.1, text: 'Primes today.' },
        ],
        usage: { audioSeconds: 5 },
      });
      expect(openai.received.at(-1)!.params).toEqual({
        model: 'whisper-1',
        response_format: 'verbose_json',
        'timestamp_granularities[]': ['word', 'segment'],
        language: 'en',
        prompt: 'Prime numbers, Euclid',
      });
    });

    it('maps a 429 to a retryable error carrying Retry-After, a 5xx to retryable, and a bad key to a final PROVIDER_AUTH', async () => {
      openai.faults.push({ status: 429, retryAfterSeconds: 7 }, { status: 503 });
      const limited = await failure(provider().transcribe(audio, {}));
      expect({ code: limited.code, retryable: limited.retryable, details: limited.details }).toEqual({
        code: 'TRANSCRIPTION.PROVIDER_RATE_LIMITED',
        retryable: true,
        details: { provider: 'openai', status: 429, retryAfterSeconds: 7 },
      });
      expect(limited.message).toBe('openai answered 429: Rate limit reached, please try again later');
      const overloaded = await failure(provider().transcribe(audio, {}));
      expect({ code: overloaded.code, retryable: overloaded.retryable }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_FAILED', retryable: true });
      const auth = await failure(new OpenAiCompatibleProvider({ baseUrl: openai.url, apiKey: 'wrong', model: 'whisper-1' }).transcribe(audio, {}));
      expect({ code: auth.code, retryable: auth.retryable }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_AUTH', retryable: false });
    });

    it('reports an unreachable server as retryable PROVIDER_UNAVAILABLE', async () => {
      const error = await failure(new OpenAiCompatibleProvider({ baseUrl: 'http://127.0.0.1:9/v1', model: 'whisper-1' }).transcribe(audio, {}));
      expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_UNAVAILABLE', retryable: true });
    });
  });

  describe('AssemblyAI', () => {
    const provider = (options: Partial<ConstructorParameters<typeof AssemblyAiProvider>[0]> = {}) =>
      new AssemblyAiProvider({ baseUrl: assembly.url, apiKey: assembly.apiKey, pollIntervalMs: 5, ...options });

    it('uploads, submits with the reference parameters, polls until completed and reads words and sentences', async () => {
      assembly.pollsBeforeDone = 3;
      const polls = assembly.polls;
      const result = await provider().transcribe(audio, { language: 'ru', vocabulary: ['Линейная алгебра'] });
      expect(assembly.polls - polls).toBeGreaterThanOrEqual(4);
      expect(assembly.received.at(-1)!.params).toEqual({
        audio_url: expect.stringMatching(/\/upload\//),
        speech_models: ['universal-3-pro', 'universal-2'],
        punctuate: true,
        format_text: true,
        language_code: 'ru',
        keyterms_prompt: ['Линейная алгебра'],
      });
      expect(result).toEqual({
        language: 'en',
        durationSeconds: 5,
        words: WORDS.map((w) => ({ ...w, confidence: 0.95 })),
        segments: [
          { start: 0.5, end: 1.4, text: 'Good morning.' },
          { start: 3.0, end: 4.1, text: 'Primes today.' },
        ],
        usage: { audioSeconds: 5 },
      });
    });

    it('asks for language detection when no language is given, and leaves segments to the caller when /sentences fails', async () => {
      assembly.pollsBeforeDone = 0;
      assembly.sentencesFail = true;
      try {
        const result = await provider().transcribe(audio, {});
        expect(assembly.received.at(-1)!.params).toMatchObject({ language_detection: true });
        expect(assembly.received.at(-1)!.params).not.toHaveProperty('language_code');
        expect(result.segments).toBeUndefined();
        expect(result.words).toHaveLength(4);
      } finally {
        assembly.sentencesFail = false;
      }
    });

    it('gives up polling at its deadline with a retryable PROVIDER_TIMEOUT, and reports a failed transcript as final', async () => {
      assembly.pollsBeforeDone = 1_000_000;
      const slow = await failure(provider({ pollTimeoutMs: 50 }).transcribe(audio, {}));
      expect({ code: slow.code, retryable: slow.retryable }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_TIMEOUT', retryable: true });
      assembly.pollsBeforeDone = 0;
      assembly.transcriptErrors.push('Audio duration is too short.');
      const rejected = await failure(provider().transcribe(audio, {}));
      expect({ code: rejected.code, retryable: rejected.retryable, message: rejected.message }).toEqual({
        code: 'TRANSCRIPTION.PROVIDER_REJECTED',
        retryable: false,
        message: 'assemblyai could not transcribe: Audio duration is too short.',
      });
    });

    it('with a signed media URL, submits it as audio_url and uploads nothing: the API fetches the audio itself', async () => {
      const served = Buffer.from('ID3 the media behind a signed URL');
      let reads = 0;
      const media = createServer((req, res) => {
        reads += 1;
        if (!req.url?.includes('signature=ok')) return void res.writeHead(403).end('AccessDenied');
        res.writeHead(200, { 'content-type': 'audio/mpeg' }).end(served);
      });
      await new Promise<void>((resolve) => media.listen(0, '127.0.0.1', resolve));
      const signed = `http://127.0.0.1:${(media.address() as AddressInfo).port}/leap/users/u1/recordings/r1/audio.mp3?expires=1&signature=ok`;
      try {
        assembly.pollsBeforeDone = 0;
        const uploadsBefore = assembly.received.length;
        const result = await provider().transcribe(audio, { language: 'en', mediaUrl: signed });
        expect(result.words).toHaveLength(4);
        expect(assembly.fetched.at(-1)).toBe(signed);
        expect(reads).toBe(1);
        // What it transcribed is what the URL served, not the local file, and nothing went to /v2/upload.
        expect(assembly.received.slice(uploadsBefore)).toEqual([
          expect.objectContaining({ bytes: served.length, outcome: 'transcribed', params: expect.objectContaining({ audio_url: signed, language_code: 'en' }) }),
        ]);

        // A URL the API cannot read (expired, forged) is its refusal, final.
        const refused = await failure(provider().transcribe(audio, { mediaUrl: signed.replace('signature=ok', 'signature=bad') }));
        expect({ code: refused.code, retryable: refused.retryable }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_REJECTED', retryable: false });
        expect(reads).toBe(2);
      } finally {
        await new Promise((resolve) => media.close(resolve));
      }
    });

    it('maps a 429 on upload to a retryable error carrying Retry-After', async () => {
      assembly.faults.push({ status: 429, retryAfterSeconds: 2 });
      const error = await failure(provider().transcribe(audio, {}));
      expect({ code: error.code, retry: error.details?.retryAfterSeconds }).toEqual({ code: 'TRANSCRIPTION.PROVIDER_RATE_LIMITED', retry: 2 });
    });
  });
});
