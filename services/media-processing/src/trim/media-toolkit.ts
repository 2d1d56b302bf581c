import { Inject, Injectable } from '@nestjs/common';
import {
  binaryPath,
  detectSilences,
  ffprobe,
  runFfmpeg,
  type FfmpegProgress,
  type ProbeResult,
  type SilenceReport,
} from '@leap/media-tools';
import { SERVICE_CONFIG } from '@leap/platform';
import type { MediaProcessingConfig } from '../config/config.schema';

/** What every tool run takes: a signal that kills the process, and progress where the tool reports it. */
export interface ToolRun<P> {
  signal?: AbortSignal;
  onProgress?: (progress: P) => void;
}

/** ffprobe and ffmpeg as the trim use case needs them; replaced by a fake in unit tests. */
export abstract class MediaToolkit {
  abstract probe(path: string, run?: ToolRun<never>): Promise<ProbeResult>;
  /** `onProgress` gets the position decoded so far, in seconds. */
  abstract detectSilences(path: string, thresholdDb: number, minSilenceSeconds: number, run?: ToolRun<number>): Promise<SilenceReport>;
  abstract ffmpeg(args: string[], run?: ToolRun<FfmpegProgress>): Promise<void>;
}

/** The real tools, resolved from FFMPEG_PATH / FFPROBE_PATH, npm packages or PATH (see @leap/media-tools). */
@Injectable()
export class FfmpegMediaToolkit extends MediaToolkit {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: MediaProcessingConfig) {
    super();
  }

  probe(path: string, run: ToolRun<never> = {}): Promise<ProbeResult> {
    return ffprobe(path, { ffprobePath: binaryPath('ffprobe', this.config.FFPROBE_PATH), signal: run.signal });
  }

  detectSilences(path: string, thresholdDb: number, minSilenceSeconds: number, run: ToolRun<number> = {}): Promise<SilenceReport> {
    return detectSilences(path, {
      thresholdDb,
      minSilenceSeconds,
      ffmpegPath: binaryPath('ffmpeg', this.config.FFMPEG_PATH),
      signal: run.signal,
      onProgress: run.onProgress,
    });
  }

  async ffmpeg(args: string[], run: ToolRun<FfmpegProgress> = {}): Promise<void> {
    await runFfmpeg(args, { onProgress: run.onProgress, signal: run.signal, ffmpegPath: binaryPath('ffmpeg', this.config.FFMPEG_PATH) });
  }
}
