import { LeapError } from '@leap/errors';
import { binaryPath, detectSilences, MediaToolError, runFfmpeg } from '@leap/media-tools';
import { CHUNK_BITRATE_BPS, type AudioChunk, type Silence } from './chunk-plan';

/** The audio work chunking needs: decode once, find silences, cut a chunk for a provider. */
export interface ChunkAudio {
  /** Decodes the media's audio to 16 kHz mono PCM WAV (exact cuts, and silences found on PCM). */
  decode(input: string, output: string, signal?: AbortSignal): Promise<void>;
  /** The audio's length and its silences (at least `minSeconds` below `thresholdDb`). */
  silences(wav: string, signal?: AbortSignal): Promise<{ durationSeconds: number; silences: Silence[] }>;
  /** Writes one chunk as MP3 (64 kbps, 16 kHz, mono). */
  cut(wav: string, chunk: AudioChunk, output: string, signal?: AbortSignal): Promise<void>;
}

/** A pause between sentences: what chunks are cut in. */
export const CHUNK_SILENCE = { thresholdDb: -35, minSeconds: 0.4 };

/** The chunk audio on ffmpeg; failures are `TRANSCRIPTION.INPUT_INVALID` (undecodable) or `TRANSCRIPTION.CANCELLED`. */
export class FfmpegChunkAudio implements ChunkAudio {
  constructor(private readonly ffmpegPath?: string) {}

  private ffmpeg(): string {
    try {
      return binaryPath('ffmpeg', this.ffmpegPath);
    } catch (error) {
      throw new LeapError('TRANSCRIPTION.TOOL_MISSING', (error as Error).message, { retryable: false });
    }
  }

  decode(input: string, output: string, signal?: AbortSignal): Promise<void> {
    return this.run(['-v', 'error', '-y', '-i', input, '-vn', '-sn', '-dn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 'wav', output], signal);
  }

  async silences(wav: string, signal?: AbortSignal): Promise<{ durationSeconds: number; silences: Silence[] }> {
    try {
      const report = await detectSilences(wav, { thresholdDb: CHUNK_SILENCE.thresholdDb, minSilenceSeconds: CHUNK_SILENCE.minSeconds, signal, ffmpegPath: this.ffmpeg() });
      return { durationSeconds: report.decodedSeconds ?? 0, silences: report.silences };
    } catch (error) {
      throw this.mapped(error);
    }
  }

  cut(wav: string, chunk: AudioChunk, output: string, signal?: AbortSignal): Promise<void> {
    // Seeking in PCM is exact, so a chunk starts where the plan says it does.
    return this.run(
      ['-v', 'error', '-y', '-ss', String(chunk.start), '-t', String(chunk.end - chunk.start), '-i', wav, '-ac', '1', '-ar', '16000', '-c:a', 'libmp3lame', '-b:a', String(CHUNK_BITRATE_BPS), output],
      signal,
    );
  }

  private async run(args: string[], signal?: AbortSignal): Promise<void> {
    try {
      await runFfmpeg(args, { ffmpegPath: this.ffmpeg(), signal });
    } catch (error) {
      throw this.mapped(error);
    }
  }

  private mapped(error: unknown): unknown {
    if (!(error instanceof MediaToolError)) return error;
    if (error.code === 'MEDIA_TOOLS.ABORTED') return new LeapError('TRANSCRIPTION.CANCELLED', 'Preparing the audio was cancelled', { retryable: true });
    const reason = error.details.stderr?.trim().split('\n').pop() || error.message;
    return new LeapError('TRANSCRIPTION.INPUT_INVALID', `The media could not be decoded: ${reason}`, { retryable: false, status: 422 });
  }
}
