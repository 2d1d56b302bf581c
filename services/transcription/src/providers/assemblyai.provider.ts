import { openAsBlob } from 'node:fs';
import { LeapError } from '@leap/errors';
import type { TranscriptSegment, TranscriptWord } from '../transcript/master-transcript';
import type { ProviderLimits, RecognitionResult, TranscribeOptions, TranscriptionProvider } from '../recognition/transcription-provider';
import { languageCode, primaryLanguage } from './language';
import { providerJson, sleep, type Fetch } from './provider-http';

export interface AssemblyAiOptions {
  /** `https://api.assemblyai.com` (or the EU endpoint). */
  baseUrl: string;
  apiKey?: string;
  /** The speech models asked for, best first (the reference's `universal-3-pro`, `universal-2`). */
  speechModels?: readonly string[];
  /** Between two polls of a transcript (default 3 s). */
  pollIntervalMs?: number;
  /** Longest a transcript may take once submitted (default an hour). */
  pollTimeoutMs?: number;
  /** Per HTTP request. */
  timeoutMs?: number;
  fetch?: Fetch;
}

export const ASSEMBLYAI_SPEECH_MODELS = ['universal-3-pro', 'universal-2'] as const;

interface Transcript {
  id: string;
  status: 'queued' | 'processing' | 'completed' | 'error';
  error?: string;
  language_code?: string;
  audio_duration?: number;
  speech_model?: string;
  words?: Array<{ text: string; start: number; end: number; confidence?: number }>;
}

interface Sentences {
  sentences?: Array<{ text: string; start: number; end: number }>;
}

/**
 * AssemblyAI's REST API: the audio is uploaded (`/v2/upload`), a transcript is submitted
 * (`/v2/transcript`: speech models, punctuation and formatting, the language or language
 * detection, `keyterms_prompt`) and polled every 3 s for at most an hour; words come with the
 * transcript and sentence segments from `/sentences` (when that fails the segments are built
 * from the words, as the reference does).
 */
export class AssemblyAiProvider implements TranscriptionProvider {
  readonly name = 'assemblyai';
  /** An upload may hold 2.2 GB and ten hours; chunks stay far below. */
  readonly limits: ProviderLimits = { maxSeconds: 10 * 3600, maxBytes: 2_200_000_000 };
  private readonly fetch: Fetch;

  constructor(private readonly options: AssemblyAiOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  get model(): string {
    return (this.options.speechModels ?? ASSEMBLYAI_SPEECH_MODELS)[0]!;
  }

  private url(path: string): string {
    return `${this.options.baseUrl.replace(/\/+$/, '')}${path}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...(this.options.apiKey ? { authorization: this.options.apiKey } : {}), ...extra };
  }

  async transcribe(audioPath: string, options: TranscribeOptions): Promise<RecognitionResult> {
    const request = { signal: options.signal, timeoutMs: this.options.timeoutMs };
    const report = options.onProgress ?? (() => undefined);
    // A signed URL of the media: AssemblyAI fetches it, nothing is uploaded from here.
    const upload = options.mediaUrl
      ? { upload_url: options.mediaUrl }
      : (report(0, 'uploading the audio'),
        await providerJson<{ upload_url: string }>(
          this.fetch,
          this.name,
          this.url('/v2/upload'),
          { method: 'POST', body: await openAsBlob(audioPath), headers: this.headers({ 'content-type': 'application/octet-stream' }) },
          request,
        ));
    const language = primaryLanguage(options.language);
    const keyterms = options.vocabulary ?? [];
    const submitted = await providerJson<Transcript>(
      this.fetch,
      this.name,
      this.url('/v2/transcript'),
      {
        method: 'POST',
        headers: this.headers({ 'content-type': 'application/json' }),
        body: JSON.stringify({
          audio_url: upload.upload_url,
          speech_models: this.options.speechModels ?? ASSEMBLYAI_SPEECH_MODELS,
          punctuate: true,
          format_text: true,
          ...(language ? { language_code: language } : { language_detection: true }),
          ...(keyterms.length > 0 ? { keyterms_prompt: keyterms } : {}),
        }),
      },
      request,
    );
    report(0.1, 'recognising speech');
    const transcript = await this.poll(submitted.id, request);
    const words: TranscriptWord[] = (transcript.words ?? []).map((w) => ({
      text: w.text.trim(),
      start: w.start / 1000,
      end: Math.max(w.start, w.end) / 1000,
      ...(typeof w.confidence === 'number' ? { confidence: w.confidence } : {}),
    }));
    const segments = await this.sentences(submitted.id, request);
    const durationSeconds = Number(transcript.audio_duration) || (words.at(-1)?.end ?? 0);
    report(1, 'recognising speech');
    return {
      language: languageCode(transcript.language_code, language ?? 'und'),
      durationSeconds,
      words: words.filter((w) => w.text),
      ...(segments ? { segments } : {}),
      usage: { audioSeconds: durationSeconds },
    };
  }

  private async poll(id: string, request: { signal?: AbortSignal; timeoutMs?: number }): Promise<Transcript> {
    const deadline = Date.now() + (this.options.pollTimeoutMs ?? 3_600_000);
    for (;;) {
      const transcript = await providerJson<Transcript>(this.fetch, this.name, this.url(`/v2/transcript/${encodeURIComponent(id)}`), { headers: this.headers() }, request);
      if (transcript.status === 'completed') return transcript;
      if (transcript.status === 'error') {
        // The transcript itself failed (bad audio, unsupported language): asking again gives the same answer.
        throw new LeapError('TRANSCRIPTION.PROVIDER_REJECTED', `assemblyai could not transcribe: ${transcript.error ?? 'no reason given'}`, {
          retryable: false,
          status: 502,
          details: { provider: this.name, transcriptId: id },
        });
      }
      if (Date.now() >= deadline) {
        throw new LeapError('TRANSCRIPTION.PROVIDER_TIMEOUT', `assemblyai transcript ${id} was still ${transcript.status} after ${this.options.pollTimeoutMs ?? 3_600_000} ms`, {
          retryable: true,
          status: 503,
          details: { provider: this.name, transcriptId: id },
        });
      }
      await sleep(this.options.pollIntervalMs ?? 3000, request.signal);
    }
  }

  /** Sentence segments, or undefined when the endpoint fails (the caller builds them from words). */
  private async sentences(id: string, request: { signal?: AbortSignal; timeoutMs?: number }): Promise<TranscriptSegment[] | undefined> {
    try {
      const answer = await providerJson<Sentences>(this.fetch, this.name, this.url(`/v2/transcript/${encodeURIComponent(id)}/sentences`), { headers: this.headers() }, request);
      const segments = (answer.sentences ?? [])
        .map((s) => ({ start: s.start / 1000, end: Math.max(s.start, s.end) / 1000, text: s.text.trim() }))
        .filter((s) => s.text);
      return segments.length > 0 ? segments : undefined;
    } catch (error) {
      if (request.signal?.aborted) throw error;
      return undefined;
    }
  }
}
