/** One block of ffmpeg's `-progress` output. */
export interface FfmpegProgress {
  /** Position reached in the output, seconds. */
  outTimeSeconds: number;
  frame?: number;
  /** Processing speed relative to real time (2 means twice as fast). */
  speed?: number;
  /** True on the final block. */
  done: boolean;
}

function parseOutTime(fields: Map<string, string>): number {
  const us = fields.get('out_time_us') ?? fields.get('out_time_ms');
  if (us !== undefined && /^-?\d+$/.test(us)) return Math.max(0, Number(us) / 1_000_000);
  const hms = fields.get('out_time');
  const match = hms ? /^(-?)(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(hms) : null;
  if (match) {
    const value = Number(match[2]) * 3600 + Number(match[3]) * 60 + Number(match[4]);
    return match[1] === '-' ? 0 : value;
  }
  return 0;
}

/**
 * Parses the key=value lines ffmpeg writes with `-progress pipe:1`. Feed it chunks as they
 * arrive; it calls `emit` once per completed block (a block ends with `progress=continue|end`).
 */
export class FfmpegProgressParser {
  private buffer = '';
  private fields = new Map<string, string>();

  constructor(private readonly emit: (progress: FfmpegProgress) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
      newline = this.buffer.indexOf('\n');
    }
  }

  private line(line: string): void {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key !== 'progress') {
      this.fields.set(key, value);
      return;
    }
    const frame = Number(this.fields.get('frame'));
    const speed = Number.parseFloat(this.fields.get('speed') ?? '');
    this.emit({
      outTimeSeconds: parseOutTime(this.fields),
      frame: Number.isFinite(frame) ? frame : undefined,
      speed: Number.isFinite(speed) ? speed : undefined,
      done: value === 'end',
    });
    this.fields = new Map();
  }
}
