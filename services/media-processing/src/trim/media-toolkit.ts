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

/** ffprobe and ffmpeg as the trim use case needs them; replaced by a fake in unit tests. */
export abstract class MediaToolkit {
  abstract probe(path: string): Promise<ProbeResult>;
  abstract detectSilences(path: string, thresholdDb: number, minSilenceSeconds: number): Promise<SilenceReport>;
  abstract ffmpeg(args: string[], onProgress?: (progress: FfmpegProgress) => void): Promise<void>;
}

/** The real tools, resolved from FFMPEG_PATH / FFPROBE_PATH, npm packages or PATH (see @leap/media-tools). */
@Injectable()
export class FfmpegMediaToolkit extends MediaToolkit {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: MediaProcessingConfig) {
    super();
  }

  probe(path: string): Promise<ProbeResult> {
    return ffprobe(path, { ffprobePath: binaryPath('ffprobe', this.config.FFPROBE_PATH) });
  }

  detectSilences(path: string, thresholdDb: number, minSilenceSeconds: number): Promise<SilenceReport> {
    return detectSilences(path, { thresholdDb, minSilenceSeconds, ffmpegPath: binaryPath('ffmpeg', this.config.FFMPEG_PATH) });
  }

  async ffmpeg(args: string[], onProgress?: (progress: FfmpegProgress) => void): Promise<void> {
    await runFfmpeg(args, { onProgress, ffmpegPath: binaryPath('ffmpeg', this.config.FFMPEG_PATH) });
  }
}
