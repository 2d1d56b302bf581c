import { runFfmpeg } from './process';

export interface SilenceInterval {
  start: number;
  /** Where the silence ends; for a silence that runs to the end of the media, the media's end. */
  end: number;
  /** True when ffmpeg reported no end (the silence reaches the end of the stream). */
  reachesEnd: boolean;
}

export interface DetectSilencesOptions {
  /** Level below which audio counts as silence, dB (e.g. -40). */
  thresholdDb: number;
  /** Shortest silence reported, seconds (e.g. 2). */
  minSilenceSeconds: number;
  /** Which audio stream of the file (default the first). */
  audioStreamIndex?: number;
  signal?: AbortSignal;
  ffmpegPath?: string;
  /** Called as decoding advances, with the position reached in seconds (from ffmpeg's `-progress`). */
  onProgress?: (decodedSeconds: number) => void;
}

export interface SilenceReport {
  silences: SilenceInterval[];
  /** Length of the decoded audio, seconds (from ffmpeg's last progress time). */
  decodedSeconds: number | undefined;
}

const START = /silence_start:\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)/;
const END = /silence_end:\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)/;

/**
 * Parses silencedetect's stderr lines. A silence with a start and no end runs to the end of
 * the stream: it ends at `decodedSeconds` when known. Newer ffmpeg also prints an end at EOF;
 * such a silence is marked `reachesEnd` when it ends within 0.05 s of `decodedSeconds`.
 */
export function parseSilenceOutput(stderr: string, decodedSeconds?: number): SilenceInterval[] {
  const silences: SilenceInterval[] = [];
  let open: number | undefined;
  for (const line of stderr.split('\n')) {
    const start = START.exec(line);
    if (start) {
      open = Math.max(0, Number(start[1]));
      continue;
    }
    const end = END.exec(line);
    if (end && open !== undefined) {
      const endAt = Number(end[1]);
      const reachesEnd = decodedSeconds !== undefined && endAt >= decodedSeconds - 0.05;
      silences.push({ start: open, end: endAt, reachesEnd });
      open = undefined;
    }
  }
  if (open !== undefined) silences.push({ start: open, end: Math.max(open, decodedSeconds ?? open), reachesEnd: true });
  return silences;
}

/**
 * Finds silences in a file's audio with ffmpeg's silencedetect. The filter runs on the decoded
 * PCM samples of the source stream itself, never on a lossy intermediate.
 */
export async function detectSilences(path: string, options: DetectSilencesOptions): Promise<SilenceReport> {
  let decodedSeconds: number | undefined;
  const filter = `silencedetect=noise=${options.thresholdDb}dB:d=${options.minSilenceSeconds}`;
  const { stderr } = await runFfmpeg(
    ['-i', path, '-map', `0:a:${options.audioStreamIndex ?? 0}`, '-vn', '-sn', '-dn', '-af', filter, '-f', 'null', '-'],
    {
      signal: options.signal,
      ffmpegPath: options.ffmpegPath,
      onProgress: (p) => {
        if (p.outTimeSeconds > 0) {
          decodedSeconds = p.outTimeSeconds;
          options.onProgress?.(p.outTimeSeconds);
        }
      },
    },
  );
  return { silences: parseSilenceOutput(stderr, decodedSeconds), decodedSeconds };
}
