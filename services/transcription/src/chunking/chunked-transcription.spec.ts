import { basename } from 'node:path';
import { LeapError } from '@leap/errors';
import type { ProviderLimits, RecognitionResult, TranscriptionProvider } from '../recognition/transcription-provider';
import type { ChunkAudio } from './chunk-audio';
import type { ChunkResults } from './chunk-results.repository';
import { ChunkedTranscription, type ChunkingOptions } from './chunked-transcription';
import type { ChunkTranscript } from './stitch';

/** 1000 s of audio with a pause every 100 s (at 99.5-100.5, ...). */
const DURATION = 1000;
const SILENCES = Array.from({ length: 9 }, (_, i) => ({ start: 100 * (i + 1) - 0.5, end: 100 * (i + 1) + 0.5 }));

/** Decoding and silences as a real file would give them; a chunk file is named after its chunk. */
function audio(cuts: string[] = []): ChunkAudio {
  return {
    decode: async () => undefined,
    silences: async () => ({ durationSeconds: DURATION, silences: SILENCES }),
    cut: async (_wav, chunk, output) => void cuts.push(`${chunk.index}:${chunk.start}-${chunk.end}:${basename(output)}`),
  };
}

class MemoryResults implements ChunkResults {
  readonly rows = new Map<string, ChunkTranscript[]>();
  async load(recordingId: string, planKey: string) {
    return [...(this.rows.get(`${recordingId}/${planKey}`) ?? [])];
  }
  async save(recordingId: string, planKey: string, chunk: ChunkTranscript) {
    const key = `${recordingId}/${planKey}`;
    this.rows.set(key, [...(this.rows.get(key) ?? []), chunk]);
  }
}

type Behaviour = (chunk: number, call: number) => RecognitionResult | Error;

/** A provider that hears one word 10 s into every chunk and does what `behaviour` says. */
function provider(name: string, behaviour: Behaviour = () => ok(), limits: ProviderLimits = { maxSeconds: 300, maxBytes: 1e9 }) {
  const calls: number[] = [];
  let inFlight = 0;
  const p: TranscriptionProvider & { calls: number[]; maxInFlight: number } = {
    name,
    model: `${name}-model`,
    limits,
    calls,
    maxInFlight: 0,
    async transcribe(path) {
      const chunk = Number(/chunk-(\d+)\.mp3$/.exec(path)?.[1] ?? -1);
      calls.push(chunk);
      inFlight += 1;
      p.maxInFlight = Math.max(p.maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight -= 1;
      const outcome = behaviour(chunk, calls.filter((c) => c === chunk).length);
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
  };
  return p;
}

const ok = (): RecognitionResult => ({ language: 'en', durationSeconds: 100, words: [{ text: 'word', start: 10, end: 10.5 }] });
const OPTIONS: ChunkingOptions = { concurrency: 3, attemptsPerProvider: 3, backoffMs: 100 };
const request = { recordingId: 'rec-1', input: '/tmp/in.mp3', workDir: '/tmp/work', mediaIdentity: 'media-1', keyterms: [] };
const rateLimited = (seconds: number) => new LeapError('TRANSCRIPTION.PROVIDER_RATE_LIMITED', 'slow down', { retryable: true, details: { retryAfterSeconds: seconds } });
const down = () => new LeapError('TRANSCRIPTION.PROVIDER_FAILED', 'openai answered 503', { retryable: true });

describe('ChunkedTranscription', () => {
  it('cuts long audio at silences under the provider’s limit, runs chunks in parallel and stitches the words at their times', async () => {
    const cuts: string[] = [];
    const openai = provider('openai');
    const result = await new ChunkedTranscription([openai], audio(cuts), new MemoryResults(), OPTIONS).transcribe(request);
    expect(cuts).toEqual(['0:0-300:chunk-0.mp3', '1:300-600:chunk-1.mp3', '2:600-900:chunk-2.mp3', '3:900-1000:chunk-3.mp3']);
    expect(openai.maxInFlight).toBe(3);
    expect(result.words.map((w) => w.start)).toEqual([10, 310, 610, 910]);
    expect(result.parts.map((p) => p.provider)).toEqual(['openai', 'openai', 'openai', 'openai']);
  });

  it('sends the media whole when no provider has a limit', async () => {
    const calls: string[] = [];
    const offline: TranscriptionProvider = {
      name: 'pocketsphinx',
      model: 'm',
      limits: { maxSeconds: Infinity, maxBytes: Infinity },
      transcribe: async (path) => (calls.push(path), { language: 'en', durationSeconds: 42, words: [{ text: 'hi', start: 1, end: 2 }] }),
    };
    const noAudioWork: ChunkAudio = { decode: () => Promise.reject(new Error('no')), silences: () => Promise.reject(new Error('no')), cut: () => Promise.reject(new Error('no')) };
    const result = await new ChunkedTranscription([offline], noAudioWork, new MemoryResults(), OPTIONS).transcribe(request);
    expect(calls).toEqual(['/tmp/in.mp3']);
    expect(result).toMatchObject({ durationSeconds: 42, parts: [{ chunk: 0, start: 0, end: 42, provider: 'pocketsphinx' }] });
  });

  it('tries a failing chunk again alone, waiting as long as a 429 asks', async () => {
    const waits: number[] = [];
    const openai = provider('openai', (chunk, call) => (chunk === 1 && call === 1 ? rateLimited(7) : chunk === 2 && call === 1 ? down() : ok()));
    const result = await new ChunkedTranscription([openai], audio(), new MemoryResults(), OPTIONS, async (ms) => void waits.push(ms)).transcribe(request);
    expect(openai.calls.sort()).toEqual([0, 1, 1, 2, 2, 3]);
    expect(waits.sort((a, b) => a - b)).toEqual([100, 7000]);
    expect(result.words).toHaveLength(4);
  });

  it('hands the remaining chunks to the next provider when one fails past its attempts, and records who did which part', async () => {
    // openai finishes chunks 0 and 1, then is down for good.
    const openai = provider('openai', (chunk) => (chunk >= 2 ? down() : ok()));
    const assemblyai = provider('assemblyai', () => ok(), { maxSeconds: 36000, maxBytes: 2e9 });
    const results = new MemoryResults();
    const result = await new ChunkedTranscription([openai, assemblyai], audio(), results, { ...OPTIONS, concurrency: 1 }, async () => undefined).transcribe(request);
    expect(openai.calls).toEqual([0, 1, 2, 2, 2]);
    expect(assemblyai.calls).toEqual([2, 3]);
    expect(result.parts.map((p) => `${p.chunk}:${p.provider}`)).toEqual(['0:openai', '1:openai', '2:assemblyai', '3:assemblyai']);
    expect(result.usage).toEqual([
      { provider: 'openai', model: 'openai-model', audioSeconds: 600, chunks: 2 },
      { provider: 'assemblyai', model: 'assemblyai-model', audioSeconds: 400, chunks: 2 },
    ]);
    expect(result.words.map((w) => w.start)).toEqual([10, 310, 610, 910]);
  });

  it('moves on at once from a provider that refuses (a bad key), and fails the chunk when every provider has failed', async () => {
    const refused = new LeapError('TRANSCRIPTION.PROVIDER_AUTH', 'openai answered 401', { retryable: false });
    const openai = provider('openai', () => refused);
    const assemblyai = provider('assemblyai', () => down());
    const error = await new ChunkedTranscription([openai, assemblyai], audio(), new MemoryResults(), { ...OPTIONS, concurrency: 1 }, async () => undefined)
      .transcribe(request)
      .catch((e: LeapError) => e);
    expect(openai.calls).toEqual([0]);
    expect(assemblyai.calls).toEqual([0, 0, 0]);
    expect(error).toMatchObject({ code: 'TRANSCRIPTION.PROVIDER_FAILED', retryable: true });
  });

  it('never sends a finished chunk again: a second run transcribes only what the first left', async () => {
    const results = new MemoryResults();
    const flaky = provider('openai', (chunk) => (chunk === 3 ? down() : ok()));
    await expect(new ChunkedTranscription([flaky], audio(), results, OPTIONS, async () => undefined).transcribe(request)).rejects.toMatchObject({
      code: 'TRANSCRIPTION.PROVIDER_FAILED',
    });
    const healthy = provider('openai');
    const result = await new ChunkedTranscription([healthy], audio(), results, OPTIONS).transcribe(request);
    expect(healthy.calls).toEqual([3]);
    expect(result.words.map((w) => w.start)).toEqual([10, 310, 610, 910]);
    // Another media (or language) is another plan: nothing is reused.
    const other = provider('openai');
    await new ChunkedTranscription([other], audio(), results, OPTIONS).transcribe({ ...request, mediaIdentity: 'media-2' });
    expect(other.calls.sort()).toEqual([0, 1, 2, 3]);
  });

  it('does not fail over on input no provider can read', async () => {
    const invalid = new LeapError('TRANSCRIPTION.INPUT_INVALID', 'not audio', { retryable: false });
    const openai = provider('openai', () => invalid);
    const assemblyai = provider('assemblyai');
    await expect(new ChunkedTranscription([openai, assemblyai], audio(), new MemoryResults(), { ...OPTIONS, concurrency: 1 }).transcribe(request)).rejects.toBe(invalid);
    expect(assemblyai.calls).toEqual([]);
  });

  it('gives a provider the media’s signed URL only when the media goes as one chunk', async () => {
    const urls: Array<string | undefined> = [];
    const fetching = (limits: ProviderLimits): TranscriptionProvider => ({
      name: 'assemblyai',
      model: 'universal-3-pro',
      limits,
      async transcribe(_path, options) {
        urls.push(options.mediaUrl);
        return ok();
      },
    });
    const signed = 'https://store.example.org/leap/audio.mp3?X-Amz-Signature=abc';
    await new ChunkedTranscription([fetching({ maxSeconds: 36_000, maxBytes: 2e9 })], audio(), new MemoryResults(), OPTIONS).transcribe({ ...request, mediaUrl: signed });
    expect(urls).toEqual([signed]);
    urls.length = 0;
    await new ChunkedTranscription([fetching({ maxSeconds: 300, maxBytes: 1e9 })], audio(), new MemoryResults(), OPTIONS).transcribe({ ...request, mediaUrl: signed });
    expect(urls.length).toBeGreaterThan(1);
    expect(new Set(urls)).toEqual(new Set([undefined]));
  });
});
