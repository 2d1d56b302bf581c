import { LeapError } from '@leap/errors';
import { binaryPath, MediaToolError, runFfmpeg } from '@leap/media-tools';

/** Converts any audio or video file into what the offline recogniser reads: 16 kHz mono 16-bit WAV. */
export interface AudioConverter {
  toWav16kMono(input: string, output: string, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<void>;
}

/**
 * The converter on ffmpeg (found through `@leap/media-tools`: FFMPEG_PATH, the bundled ffmpeg,
 * then PATH). Media ffmpeg cannot decode is `TRANSCRIPTION.INPUT_INVALID`; a missing ffmpeg is
 * `TRANSCRIPTION.TOOL_MISSING`; a run past the timeout is `TRANSCRIPTION.PROVIDER_TIMEOUT`.
 */
export class FfmpegAudioConverter implements AudioConverter {
  constructor(private readonly ffmpegPath?: string) {}

  async toWav16kMono(input: string, output: string, options: { signal?: AbortSignal; timeoutMs?: number }): Promise<void> {
    let ffmpeg: string;
    try {
      ffmpeg = binaryPath('ffmpeg', this.ffmpegPath);
    } catch (error) {
      throw new LeapError('TRANSCRIPTION.TOOL_MISSING', (error as Error).message, { retryable: false });
    }
    const timeout = options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs);
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    try {
      await runFfmpeg(['-v', 'error', '-y', '-i', input, '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 'wav', output], {
        ffmpegPath: ffmpeg,
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      });
    } catch (error) {
      if (!(error instanceof MediaToolError)) throw error;
      if (error.code === 'MEDIA_TOOLS.ABORTED') {
        throw timeout?.aborted
          ? new LeapError('TRANSCRIPTION.PROVIDER_TIMEOUT', `Converting the media took longer than ${options.timeoutMs} ms`, { retryable: true })
          : new LeapError('TRANSCRIPTION.CANCELLED', 'Converting the media was cancelled', { retryable: true });
      }
      const reason = error.details.stderr?.trim().split('\n').pop() || error.message;
      throw new LeapError('TRANSCRIPTION.INPUT_INVALID', `The media could not be decoded: ${reason}`, { retryable: false, status: 422 });
    }
  }
}
