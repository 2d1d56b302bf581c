import { binaryPath } from './binaries';
import { MediaToolError } from './errors';
import { runTool } from './process';

export interface ProbedStream {
  index: number;
  codecType: 'video' | 'audio' | 'subtitle' | 'data' | 'attachment' | 'unknown';
  codecName: string | undefined;
  durationSeconds: number | undefined;
  sampleRate?: number;
  channels?: number;
  width?: number;
  height?: number;
  bitRate?: number;
}

export interface ProbeResult {
  /** ffprobe's format names, e.g. ["mov","mp4","m4a","3gp","3g2","mj2"] or ["matroska","webm"]. */
  formatNames: string[];
  durationSeconds: number | undefined;
  sizeBytes: number | undefined;
  bitRate: number | undefined;
  streams: ProbedStream[];
}

function num(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '' || value === 'N/A') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

const CODEC_TYPES = new Set(['video', 'audio', 'subtitle', 'data', 'attachment']);

/** Turns `ffprobe -print_format json -show_format -show_streams` output into a ProbeResult. */
export function parseProbeOutput(json: string): ProbeResult {
  let parsed: { format?: Record<string, unknown>; streams?: Array<Record<string, unknown>> };
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new MediaToolError('MEDIA_TOOLS.PROBE_FAILED', 'ffprobe did not print JSON');
  }
  const format = parsed.format ?? {};
  const streams = (parsed.streams ?? []).map((s): ProbedStream => {
    const type = String(s.codec_type ?? 'unknown');
    const tags = (s.tags ?? {}) as Record<string, unknown>;
    return {
      index: num(s.index) ?? 0,
      codecType: (CODEC_TYPES.has(type) ? type : 'unknown') as ProbedStream['codecType'],
      codecName: typeof s.codec_name === 'string' ? s.codec_name : undefined,
      durationSeconds: num(s.duration) ?? parseTagDuration(tags.DURATION),
      sampleRate: num(s.sample_rate),
      channels: num(s.channels),
      width: num(s.width),
      height: num(s.height),
      bitRate: num(s.bit_rate),
    };
  });
  return {
    formatNames: typeof format.format_name === 'string' ? format.format_name.split(',') : [],
    durationSeconds: num(format.duration),
    sizeBytes: num(format.size),
    bitRate: num(format.bit_rate),
    streams,
  };
}

/** Matroska keeps stream durations in a DURATION tag ("00:00:40.000000000"). */
function parseTagDuration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(value.trim());
  return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : undefined;
}

export interface ProbeOptions {
  signal?: AbortSignal;
  ffprobePath?: string;
}

/** Probes a media file: container, duration, streams and codecs. Rejects (MEDIA_TOOLS.PROCESS_FAILED) when ffprobe cannot read it. */
export async function ffprobe(path: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const binary = options.ffprobePath ?? binaryPath('ffprobe');
  const { stdout } = await runTool(binary, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path], {
    signal: options.signal,
  });
  return parseProbeOutput(stdout);
}
