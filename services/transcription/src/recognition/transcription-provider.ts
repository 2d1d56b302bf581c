import type { TranscriptWord } from '../transcript/master-transcript';

export interface TranscribeOptions {
  /** BCP 47 code the speech is in; empty to let the provider decide. */
  language?: string;
  /** Terms to favour (title, template vocabulary); providers that cannot use them ignore them. */
  vocabulary?: readonly string[];
  signal?: AbortSignal;
}

export interface RecognitionResult {
  /** BCP 47 code of the recognised language. */
  language: string;
  durationSeconds: number;
  words: TranscriptWord[];
}

/** A speech recogniser: the offline one, or a remote API. */
export interface TranscriptionProvider {
  /** As written into master.json: `pocketsphinx`, `assemblyai`, ... */
  readonly name: string;
  readonly model: string;
  transcribe(audioPath: string, options: TranscribeOptions): Promise<RecognitionResult>;
}

export const TRANSCRIPTION_PROVIDER = Symbol('transcription:provider');
