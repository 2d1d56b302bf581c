import { spawn } from 'node:child_process';
import { binaryPath } from './binaries';
import { MediaToolError } from './errors';
import { FfmpegProgress, FfmpegProgressParser } from './progress';

const STDERR_LIMIT = 64 * 1024;

export interface RunToolOptions {
  signal?: AbortSignal;
  /** Called with every stdout chunk as text. */
  onStdout?: (chunk: string) => void;
  /** Keep the whole stdout in the result (default true). */
  collectStdout?: boolean;
}

export interface RunToolResult {
  stdout: string;
  /** The last 64 KiB of stderr. */
  stderr: string;
}

/** Runs a binary to completion; rejects with MEDIA_TOOLS.PROCESS_FAILED on a non-zero exit, MEDIA_TOOLS.ABORTED on abort. */
export function runTool(binary: string, args: string[], options: RunToolOptions = {}): Promise<RunToolResult> {
  const { signal, onStdout, collectStdout = true } = options;
  return new Promise<RunToolResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new MediaToolError('MEDIA_TOOLS.ABORTED', `${binary} was cancelled before it started`));
      return;
    }
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (collectStdout) stdout += chunk;
      onStdout?.(chunk);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > STDERR_LIMIT * 2) stderr = stderr.slice(-STDERR_LIMIT);
    });
    child.on('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new MediaToolError('MEDIA_TOOLS.PROCESS_FAILED', `${binary} could not be started: ${error.message}`));
    });
    child.on('close', (exitCode, killSignal) => {
      signal?.removeEventListener('abort', onAbort);
      stderr = stderr.slice(-STDERR_LIMIT);
      if (aborted) {
        reject(new MediaToolError('MEDIA_TOOLS.ABORTED', `${binary} was cancelled`, { exitCode, stderr }));
      } else if (exitCode !== 0) {
        const last = stderr.trim().split('\n').slice(-3).join(' | ');
        reject(
          new MediaToolError('MEDIA_TOOLS.PROCESS_FAILED', `${binary} exited with ${exitCode ?? killSignal}: ${last}`, { exitCode, stderr }),
        );
      } else {
        resolve({ stdout, stderr });
      }
    });
  });
}

export interface RunFfmpegOptions {
  onProgress?: (progress: FfmpegProgress) => void;
  signal?: AbortSignal;
  /** ffmpeg binary to use; resolved (env, npm packages, PATH) when omitted. */
  ffmpegPath?: string;
}

/**
 * Runs ffmpeg with `args` (inputs, filters, outputs). Adds -hide_banner, -nostdin and, when
 * `onProgress` is given, `-progress pipe:1`. Aborting `signal` kills the process.
 */
export async function runFfmpeg(args: string[], options: RunFfmpegOptions = {}): Promise<RunToolResult> {
  const binary = options.ffmpegPath ?? binaryPath('ffmpeg');
  const prefix = ['-hide_banner', '-nostdin'];
  if (options.onProgress) prefix.push('-nostats', '-progress', 'pipe:1');
  const parser = options.onProgress ? new FfmpegProgressParser(options.onProgress) : undefined;
  return runTool(binary, [...prefix, ...args], {
    signal: options.signal,
    collectStdout: !parser,
    onStdout: parser ? (chunk) => parser.push(chunk) : undefined,
  });
}
