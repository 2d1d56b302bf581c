import { openAsBlob } from 'node:fs';
import { basename, extname } from 'node:path';
import type { TranscriptSegment, TranscriptWord } from '../transcript/master-transcript';
import type { ProviderLimits, RecognitionResult, TranscribeOptions, TranscriptionProvider } from '../recognition/transcription-provider';
import { languageCode, primaryLanguage } from './language';
import { providerJson, type Fetch } from './provider-http';

export interface OpenAiCompatibleOptions {
  /** Up to and including the version, e.g. `https://api.openai.com/v1`, `https://api.groq.com/openai/v1`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Longest chunk sent in one request, seconds (default 20 minutes). */
  maxSeconds?: number;
  /** Largest upload (default 25 MB, OpenAI's limit). */
  maxBytes?: number;
  timeoutMs?: number;
  fetch?: Fetch;
}

/** `verbose_json` as OpenAI documents it (Groq, Fireworks and whisper servers answer the same). */
interface VerboseJson {
  language?: string;
  duration?: number;
  text?: string;
  words?: Array<{ word: string; start: number; end: number }>;
  segments?: Array<{ start: number; end: number; text: string }>;
}

const MIME: Readonly<Record<string, string>> = { '.mp3': 'audio/mpeg', '.wav': 'audio/wav', '.m4a': 'audio/mp4', '.webm': 'audio/webm', '.ogg': 'audio/ogg', '.flac': 'audio/flac' };

/** Whisper's prompt holds about 224 tokens: the key terms that fit in this many characters. */
const PROMPT_CHARS = 800;

/**
 * Any OpenAI-compatible transcription API (`POST {base}/audio/transcriptions`, multipart):
 * Whisper at OpenAI, Groq, Fireworks or a self-hosted server, by base URL. Asks for
 * `verbose_json` with word and segment timestamps; key terms go into the `prompt`, which steers
 * the spelling of names.
 */
export class OpenAiCompatibleProvider implements TranscriptionProvider {
  readonly name = 'openai';
  readonly limits: ProviderLimits;
  private readonly fetch: Fetch;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.limits = { maxSeconds: options.maxSeconds ?? 1200, maxBytes: options.maxBytes ?? 25 * 1024 * 1024 };
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  get model(): string {
    return this.options.model;
  }

  async transcribe(audioPath: string, options: TranscribeOptions): Promise<RecognitionResult> {
    const form = new FormData();
    form.append('file', await openAsBlob(audioPath, { type: MIME[extname(audioPath).toLowerCase()] ?? 'application/octet-stream' }), basename(audioPath));
    form.append('model', this.options.model);
    form.append('response_format', 'verbose_json');
    form.append('timestamp_granularities[]', 'word');
    form.append('timestamp_granularities[]', 'segment');
    const language = primaryLanguage(options.language);
    if (language) form.append('language', language);
    const prompt = promptOf(options.vocabulary ?? []);
    if (prompt) form.append('prompt', prompt);
    options.onProgress?.(0, 'recognising speech');
    const answer = await providerJson<VerboseJson>(
      this.fetch,
      this.name,
      `${this.options.baseUrl.replace(/\/+$/, '')}/audio/transcriptions`,
      { method: 'POST', body: form, headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {} },
      { signal: options.signal, timeoutMs: this.options.timeoutMs },
    );
    const words: TranscriptWord[] = (answer.words ?? [])
      .map((w) => ({ text: String(w.word ?? '').trim(), start: Number(w.start), end: Math.max(Number(w.start), Number(w.end)) }))
      .filter((w) => w.text && Number.isFinite(w.start) && Number.isFinite(w.end));
    const segments: TranscriptSegment[] = (answer.segments ?? [])
      .map((s) => ({ start: Number(s.start), end: Number(s.end), text: String(s.text ?? '').trim() }))
      .filter((s) => s.text && Number.isFinite(s.start) && s.end >= s.start);
    const durationSeconds = Number(answer.duration) || (words.at(-1)?.end ?? 0);
    options.onProgress?.(1, 'recognising speech');
    return {
      language: languageCode(answer.language, language ?? 'und'),
      durationSeconds,
      words,
      ...(segments.length > 0 ? { segments } : {}),
      usage: { audioSeconds: durationSeconds },
    };
  }
}

function promptOf(terms: readonly string[]): string {
  let prompt = '';
  for (const term of terms) {
    const next = prompt ? `${prompt}, ${term}` : term;
    if (next.length > PROMPT_CHARS) break;
    prompt = next;
  }
  return prompt;
}
