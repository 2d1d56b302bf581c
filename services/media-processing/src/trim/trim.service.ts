import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { ObjectKind, type ObjectRef, type RecordingTrimmed, type TrimRecording } from '@leap/contracts';
import { makeWorkDir, MediaToolError, type ProbeResult } from '@leap/media-tools';
import { LeapError } from '@leap/errors';
import { SERVICE_CONFIG } from '@leap/platform';
import type { MediaProcessingConfig } from '../config/config.schema';
import { MediaToolkit } from './media-toolkit';
import { RecordingMediaRepository } from './recording-media.repository';
import { sniffSource } from './source-check';
import { chooseContainer, contentTypeOf, planTrim, type TrimWindow } from './trim-plan';

/** Settings of one trim: the command's values where given, else the configured defaults. */
export interface TrimSettings {
  thresholdDb: number;
  minSilenceSeconds: number;
  paddingSeconds: number;
  /** Padding at the start and at the end when the command sets them apart (0 keeps none); `paddingSeconds` otherwise. */
  paddingBeforeSeconds?: number;
  paddingAfterSeconds?: number;
}

/** Percent done and the step under way, reported as the tools advance. */
export type TrimProgress = (percent: number, step: string) => void;

export interface TrimOptions {
  /** Aborting it kills the running tool; the trim then rejects and leaves nothing behind. */
  signal?: AbortSignal;
  onProgress?: TrimProgress;
}

/** Share of the whole trim each step takes, in percent: [start, end). */
const STEPS = {
  download: [0, 10],
  silence: [10, 50],
  cut: [50, 75],
  audio: [75, 95],
} as const;

const AUDIO_ARGS = ['-vn', '-sn', '-dn', '-ac', '1', '-ar', '16000', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'];

/**
 * Stage 2 of the pipeline: cut the leading and trailing silence of a recording (silence in the
 * middle stays), keep the video by stream copy, and extract the audio for speech recognition as
 * MP3 64 kbps, 16 kHz, mono. Objects are written at deterministic keys, so running it twice for
 * the same recording is harmless.
 */
@Injectable()
export class TrimService {
  constructor(
    private readonly objects: RecordingMediaRepository,
    private readonly tools: MediaToolkit,
    @Inject(SERVICE_CONFIG) private readonly config: MediaProcessingConfig,
  ) {}

  settingsFor(command: TrimRecording): TrimSettings {
    const pick = (value: number | undefined, fallback: number): number => (value !== undefined && value !== 0 ? value : fallback);
    const padding = command.paddingSeconds;
    const settings: TrimSettings = {
      thresholdDb: pick(command.thresholdDb, this.config.TRIM_SILENCE_THRESHOLD_DB),
      minSilenceSeconds: pick(command.minSilenceSeconds, this.config.TRIM_MIN_SILENCE_SECONDS),
      paddingSeconds: padding !== undefined && !(padding <= 0) ? padding : this.config.TRIM_PADDING_SECONDS,
    };
    if (!(settings.thresholdDb <= 0 && settings.thresholdDb >= -120)) {
      throw invalidCommand(`thresholdDb must be between -120 and 0, got ${settings.thresholdDb}`);
    }
    if (!(settings.minSilenceSeconds >= 0.1 && settings.minSilenceSeconds <= 3600)) {
      throw invalidCommand(`minSilenceSeconds must be between 0.1 and 3600, got ${settings.minSilenceSeconds}`);
    }
    if (!(settings.paddingSeconds >= 0 && settings.paddingSeconds <= 3600)) {
      throw invalidCommand(`paddingSeconds must be between 0 and 3600, got ${settings.paddingSeconds}`);
    }
    for (const [name, value] of [['paddingBeforeSeconds', command.paddingBeforeSeconds], ['paddingAfterSeconds', command.paddingAfterSeconds]] as const) {
      if (value === undefined) continue;
      if (!(value >= 0 && value <= 3600)) throw invalidCommand(`${name} must be between 0 and 3600, got ${value}`);
      settings[name] = value;
    }
    return settings;
  }

  async trim(command: TrimRecording, options: TrimOptions = {}): Promise<RecordingTrimmed> {
    const { recordingId, userId, source } = command;
    const { signal } = options;
    const report = options.onProgress ?? (() => undefined);
    /** Progress within a step, from the part done (0 to 1). */
    const within = (step: keyof typeof STEPS, label: string) => (fraction: number) => {
      const [from, to] = STEPS[step];
      report(from + (to - from) * Math.max(0, Math.min(1, fraction)), label);
    };
    const settings = this.settingsFor(command);
    this.objects.assertOwned(source.key, userId, recordingId);
    const work = await makeWorkDir('trim');
    try {
      const extension = /\.([A-Za-z0-9]{1,8})$/.exec(source.key)?.[1]?.toLowerCase() ?? 'bin';
      const sourcePath = join(work, `source.${extension}`);
      within('download', 'downloading the source')(0);
      await this.objects.download(source.key, sourcePath);
      signal?.throwIfAborted();
      const local = await this.checkIntegrity(sourcePath, source);
      signal?.throwIfAborted();

      const probe = await this.probe(sourcePath, signal);
      const audio = probe.streams.find((s) => s.codecType === 'audio');
      if (!audio) throw new LeapError('MEDIA.NO_AUDIO_TRACK', 'The source has no audio track to analyse or transcribe', { retryable: false, status: 422 });
      const expected = probe.durationSeconds ?? audio.durationSeconds;
      const silenceProgress = within('silence', 'detecting silence');
      silenceProgress(0);
      const silences = await this.tool('analyse the audio', () =>
        this.tools.detectSilences(sourcePath, settings.thresholdDb, settings.minSilenceSeconds, {
          signal,
          onProgress: (seconds) => expected && silenceProgress(seconds / expected),
        }),
      );
      const duration = probe.durationSeconds ?? audio.durationSeconds ?? silences.decodedSeconds;
      if (!duration || duration <= 0) throw invalidSource('the source has no playable duration');
      const window = planTrim(silences.silences, duration, settings.paddingBeforeSeconds ?? settings.paddingSeconds, settings.paddingAfterSeconds ?? settings.paddingSeconds);
      const kept = Math.max(0.001, window.end - window.start);

      let video: ObjectRef;
      if (window.keepWhole) {
        video = { key: source.key, sizeBytes: String(local.sizeBytes), checksumSha256: local.checksumSha256, contentType: source.contentType || contentTypeOf(source.key), kind: ObjectKind.SOURCE };
      } else {
        const container = chooseContainer(probe.streams);
        const keys = this.objects.keys(userId, recordingId, container.extension);
        const videoPath = join(work, `video.${container.extension}`);
        const cutProgress = within('cut', 'cutting the video');
        cutProgress(0);
        await this.tool('cut the video', () =>
          this.tools.ffmpeg(['-y', ...cutInput(sourcePath, window), '-map', '0:V?', '-map', '0:a?', '-c', 'copy', ...(container.format === 'mp4' ? ['-movflags', '+faststart'] : []), '-f', container.format, videoPath], {
            signal,
            onProgress: (p) => cutProgress(p.outTimeSeconds / kept),
          }),
        );
        signal?.throwIfAborted();
        video = await this.objects.upload(keys.video, videoPath, container.contentType, ObjectKind.VIDEO);
      }

      const audioPath = join(work, 'audio.mp3');
      const audioInput = window.keepWhole ? ['-i', sourcePath] : cutInput(sourcePath, window);
      const audioProgress = within('audio', 'extracting the audio');
      audioProgress(0);
      await this.tool('extract the audio', () =>
        this.tools.ffmpeg(['-y', ...audioInput, '-map', '0:a:0', ...AUDIO_ARGS, audioPath], {
          signal,
          onProgress: (p) => audioProgress(p.outTimeSeconds / (window.keepWhole ? duration : kept)),
        }),
      );
      signal?.throwIfAborted();
      report(STEPS.audio[1], 'storing the results');
      const audioRef = await this.objects.upload(this.objects.keys(userId, recordingId, 'mp3').audio, audioPath, 'audio/mpeg', ObjectKind.AUDIO);

      return {
        recordingId,
        userId,
        video,
        audio: audioRef,
        sourceDurationSeconds: round3(duration),
        trimmedDurationSeconds: round3(window.end - window.start),
        trimmedHeadSeconds: window.trimmedHeadSeconds,
        trimmedTailSeconds: window.trimmedTailSeconds,
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }

  /** Size, HTML, container sniff, truncation against the expected size, and the checksum when the command gives one. */
  private async checkIntegrity(path: string, expected: ObjectRef): Promise<{ sizeBytes: number; checksumSha256: string }> {
    const { size } = await stat(path);
    const handle = await open(path, 'r');
    let head: Buffer;
    try {
      const buffer = Buffer.alloc(4096);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
    const sniff = sniffSource(head, size);
    if (!sniff.ok) throw invalidSource(sniff.reason);
    const expectedSize = Number(expected.sizeBytes);
    if (Number.isFinite(expectedSize) && expectedSize > 0 && size < expectedSize) {
      throw invalidSource(`the source is truncated: ${size} bytes of the expected ${expectedSize}`);
    }
    const checksumSha256 = await sha256(path);
    if (expected.checksumSha256 && expected.checksumSha256.toLowerCase() !== checksumSha256) {
      throw invalidSource(`the source's checksum ${checksumSha256} differs from the expected ${expected.checksumSha256}`);
    }
    return { sizeBytes: size, checksumSha256 };
  }

  private async probe(path: string, signal?: AbortSignal): Promise<ProbeResult> {
    try {
      return await this.tools.probe(path, { signal });
    } catch (error) {
      if (error instanceof MediaToolError && error.code === 'MEDIA_TOOLS.PROCESS_FAILED') {
        throw invalidSource(`ffprobe cannot read it (${error.message})`);
      }
      throw toolFailure('probe the source', error);
    }
  }

  private async tool<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toolFailure(what, error);
    }
  }
}

function cutInput(path: string, window: TrimWindow): string[] {
  return ['-ss', window.start.toFixed(3), '-i', path, '-t', (window.end - window.start).toFixed(3)];
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function invalidSource(reason: string): LeapError {
  return new LeapError('MEDIA.INVALID_SOURCE', `The source is not usable media: ${reason}`, { retryable: false, status: 422 });
}

function invalidCommand(reason: string): LeapError {
  return new LeapError('MEDIA.INVALID_COMMAND', reason, { retryable: false, status: 422 });
}

function toolFailure(what: string, error: unknown): unknown {
  if (error instanceof LeapError) return error;
  if (error instanceof MediaToolError && error.code === 'MEDIA_TOOLS.BINARY_NOT_FOUND') {
    return new LeapError('MEDIA.TOOL_MISSING', error.message, { retryable: false, status: 500 });
  }
  if (error instanceof MediaToolError) {
    return new LeapError('MEDIA.PROCESSING_FAILED', `Could not ${what}: ${error.message}`, { retryable: false, status: 422 });
  }
  // Anything else (disk full, a crashed process) may pass: the messaging library retries it.
  return error;
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
