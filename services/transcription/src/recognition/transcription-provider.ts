import type { TranscriptSegment, TranscriptWord } from '../transcript/master-transcript';

export interface TranscribeOptions {
  /** BCP 47 code the speech is in; empty to let the provider detect it. */
  language?: string;
  /** Key terms to favour (title, template vocabulary, see `buildKeyterms`); providers that cannot use them ignore them. */
  vocabulary?: readonly string[];
  /**
   * A URL the provider may fetch the same audio from itself (a presigned storage URL of the whole
   * media), instead of receiving the file; providers that cannot fetch ignore it.
   */
  mediaUrl?: string;
  signal?: AbortSignal;
  /** Called as the work advances: the part done (0 to 1) and what is under way. */
  onProgress?: (fraction: number, step: string) => void;
}

/** What a provider charges for: seconds of audio, and tokens where it counts them. */
export interface RecognitionUsage {
  audioSeconds: number;
}

export interface RecognitionResult {
  /** BCP 47 code of the recognised language. */
  language: string;
  durationSeconds: number;
  words: TranscriptWord[];
  /** Sentence segments when the provider gives them; built from the words otherwise. */
  segments?: TranscriptSegment[];
  usage?: RecognitionUsage;
}

/** The largest piece of audio a provider takes in one request. */
export interface ProviderLimits {
  /** Longest audio, in seconds. */
  maxSeconds: number;
  /** Largest upload, in bytes. */
  maxBytes: number;
}

/** No limit: the offline recogniser reads a file of any length. */
export const UNLIMITED: ProviderLimits = { maxSeconds: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };

/** A speech recogniser: the offline one, or a remote API. */
export interface TranscriptionProvider {
  /** As written into master.json and configured in TRANSCRIPTION_PROVIDERS: `offline`, `openai`, `assemblyai`. */
  readonly name: string;
  readonly model: string;
  /** What one request may carry; long audio is cut into chunks under it. */
  readonly limits: ProviderLimits;
  /** Languages it recognises (BCP 47 primary subtags); undefined for any. */
  readonly languages?: readonly string[];
  transcribe(audioPath: string, options: TranscribeOptions): Promise<RecognitionResult>;
}

/** The configured providers, in failover order (TRANSCRIPTION_PROVIDERS). */
export const TRANSCRIPTION_PROVIDERS = Symbol('transcription:providers');
