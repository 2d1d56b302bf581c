import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { LeapError } from '@leap/errors';
import type { TranscriptionProvider } from '../recognition/transcription-provider';
import { sleep } from '../providers/provider-http';
import type { ChunkAudio } from './chunk-audio';
import { chunkSecondsFor, planChunks, type AudioChunk, type Silence } from './chunk-plan';
import type { ChunkResults } from './chunk-results.repository';
import { stitchChunks, type ChunkTranscript, type StitchedTranscript } from './stitch';

export interface ChunkingOptions {
  /** Chunks transcribed at once. */
  concurrency: number;
  /** Tries of one chunk at one provider before the next provider takes over. */
  attemptsPerProvider: number;
  /** Wait before the second try, doubled for each further one; a 429's Retry-After wins. */
  backoffMs: number;
  /** Caps every provider's chunk length, seconds. */
  maxChunkSeconds?: number;
}

export interface ChunkedRequest {
  recordingId: string;
  /** The media file to transcribe, in a scratch folder the caller removes. */
  input: string;
  /** Folder for decoded audio and chunk files. */
  workDir: string;
  /** Names the media (its checksum, or key and size): a different media gets a different plan. */
  mediaIdentity: string;
  language?: string;
  keyterms: readonly string[];
  /** A signed URL of the whole media, for providers that fetch audio themselves (used when it goes as one chunk). */
  mediaUrl?: string;
  /** The providers in failover order for this request (a tenant's own keys); the configured ones when absent. */
  providers?: readonly TranscriptionProvider[];
  signal?: AbortSignal;
  onProgress?: (fraction: number, step: string) => void;
}

/** Errors that say the input itself is bad or the work was stopped: no provider will do better. */
const FINAL_CODES = new Set(['TRANSCRIPTION.INPUT_INVALID', 'TRANSCRIPTION.INPUT_MISSING', 'TRANSCRIPTION.CANCELLED']);

/**
 * Long audio through one or more providers (T3, T9). The audio is cut at silences into chunks
 * every configured provider takes (size and duration), the chunks are transcribed in parallel, and
 * each finished chunk is kept (`ChunkResults`) at once, so a chunk is never transcribed twice: not
 * after a restart of the job, not after a failover. A failing chunk is tried again alone (the
 * provider's 429 Retry-After honoured); past its provider's attempts the next provider in the
 * failover order takes it, and every chunk after it. The transcript records which provider did
 * which part.
 */
export class ChunkedTranscription {
  constructor(
    private readonly providers: readonly TranscriptionProvider[],
    private readonly audio: ChunkAudio,
    private readonly results: ChunkResults,
    private readonly options: ChunkingOptions,
    private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void> = sleep,
  ) {
    if (providers.length === 0) throw new LeapError('TRANSCRIPTION.PROVIDER_UNAVAILABLE', 'No transcription provider is configured', { retryable: false });
  }

  /** The providers for a language, in failover order: those that know it, or all when none does. */
  private eligible(language: string | undefined, all: readonly TranscriptionProvider[]): TranscriptionProvider[] {
    const primary = language?.toLowerCase().split(/[-_]/)[0];
    if (!primary) return [...all];
    const knowing = all.filter((p) => !p.languages || p.languages.includes(primary));
    return knowing.length > 0 ? knowing : [...all];
  }

  /** The stitched transcript, and the silences found in the audio (none when it went whole). */
  async transcribe(request: ChunkedRequest): Promise<StitchedTranscript & { silences: Silence[] }> {
    const providers = this.eligible(request.language, request.providers?.length ? request.providers : this.providers);
    const report = request.onProgress ?? (() => undefined);
    const maxSeconds = chunkSecondsFor(
      providers.map((p) => p.limits),
      this.options.maxChunkSeconds,
    );
    let chunks: AudioChunk[];
    let wav: string | undefined;
    let found: Silence[] = [];
    if (Number.isFinite(maxSeconds)) {
      report(0, 'preparing the audio');
      wav = join(request.workDir, 'audio.wav');
      await this.audio.decode(request.input, wav, request.signal);
      const { durationSeconds, silences } = await this.audio.silences(wav, request.signal);
      found = silences;
      chunks = planChunks(durationSeconds, silences, maxSeconds);
    } else {
      // No provider needs chunks: the media goes as it is, its length learnt from the recogniser.
      chunks = [{ index: 0, start: 0, end: 0 }];
    }
    const planKey = createHash('sha256')
      .update(JSON.stringify({ media: request.mediaIdentity, language: request.language ?? '', chunks: chunks.map((c) => [c.start, c.end]) }))
      .digest('hex');
    const finished = new Map<number, ChunkTranscript>();
    for (const done of await this.results.load(request.recordingId, planKey)) finished.set(done.chunk.index, done);

    // Each chunk weighs its length (the unchunked media weighs 1); decoding and planning take the first 5 %.
    const weight = (c: AudioChunk) => c.end - c.start || 1;
    const total = chunks.reduce((sum, c) => sum + weight(c), 0);
    const [from, span] = wav ? [0.05, 0.95] : [0, 1];
    const partial = new Map<number, number>();
    let step = 'recognising speech';
    const progress = () => {
      let done = 0;
      for (const c of chunks) done += (finished.has(c.index) ? 1 : (partial.get(c.index) ?? 0)) * weight(c);
      report(from + span * (done / total), step);
    };
    progress();

    // The media's own URL stands for a chunk only when that chunk is the whole media.
    const asked: ChunkedRequest = chunks.length === 1 ? request : { ...request, mediaUrl: undefined };
    const disabled = new Set<string>();
    const queue = chunks.filter((c) => !finished.has(c.index));
    let failure: unknown;
    const worker = async () => {
      for (let chunk = queue.shift(); chunk && failure === undefined; chunk = queue.shift()) {
        try {
          const file = wav ? join(request.workDir, `chunk-${chunk.index}.mp3`) : request.input;
          if (wav) await this.audio.cut(wav, chunk, file, request.signal);
          const index = chunk.index;
          const done = await this.transcribeChunk(chunk, file, providers, disabled, asked, (fraction, what) => {
            partial.set(index, fraction);
            step = what;
            progress();
          });
          step = 'recognising speech';
          await this.results.save(request.recordingId, planKey, done);
          finished.set(chunk.index, done);
          progress();
        } catch (error) {
          failure ??= error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.options.concurrency, queue.length)) }, worker));
    if (failure !== undefined) throw failure;
    return { ...stitchChunks([...finished.values()]), silences: found };
  }

  private async transcribeChunk(
    chunk: AudioChunk,
    file: string,
    providers: readonly TranscriptionProvider[],
    disabled: Set<string>,
    request: ChunkedRequest,
    onFraction: (fraction: number, step: string) => void,
  ): Promise<ChunkTranscript> {
    let last: unknown;
    for (const provider of providers) {
      if (disabled.has(provider.name)) continue;
      for (let attempt = 1; attempt <= this.options.attemptsPerProvider; attempt++) {
        request.signal?.throwIfAborted();
        try {
          const result = await provider.transcribe(file, {
            ...(request.mediaUrl ? { mediaUrl: request.mediaUrl } : {}),
            language: request.language,
            vocabulary: request.keyterms,
            signal: request.signal,
            onProgress: onFraction,
          });
          return { chunk, provider: provider.name, model: provider.model, result };
        } catch (error) {
          if (request.signal?.aborted) throw error;
          if (error instanceof LeapError && FINAL_CODES.has(error.code)) throw error;
          last = error;
          // A refusal (bad key, a rejected request) will not change on a second try: next provider.
          if (error instanceof LeapError && !error.retryable) break;
          if (attempt < this.options.attemptsPerProvider) {
            const retryAfter = error instanceof LeapError ? (error.details?.retryAfterSeconds as number | undefined) : undefined;
            await this.wait(retryAfter !== undefined ? retryAfter * 1000 : this.options.backoffMs * 2 ** (attempt - 1), request.signal);
          }
        }
      }
      // Past its retry budget: the rest of this transcription goes to the next provider.
      disabled.add(provider.name);
    }
    throw last ?? new LeapError('TRANSCRIPTION.PROVIDER_UNAVAILABLE', 'Every configured transcription provider has failed', { retryable: true });
  }
}
