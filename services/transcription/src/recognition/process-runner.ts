import { spawn } from 'node:child_process';
import { LeapError } from '@leap/errors';

export interface ProcessResult {
  code: number;
  stdout: string;
  /** The last 64 KiB of the standard error. */
  stderr: string;
}

/** Runs an external program (ffmpeg, a recogniser) to completion. Injected so tests and providers can swap it. */
export interface ProcessRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<ProcessResult>;
}

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called with each chunk of the standard output as it arrives (progress). */
  onStdout?: (chunk: string) => void;
}

export const PROCESS_RUNNER = Symbol('transcription:process-runner');

const STDERR_TAIL = 64 * 1024;

/**
 * Spawns the program without a shell. A missing binary is `TRANSCRIPTION.TOOL_MISSING` (not
 * retryable: it will not appear by itself); a run past `timeoutMs` is killed and reported as
 * `TRANSCRIPTION.PROVIDER_TIMEOUT` (retryable); an aborted run as `TRANSCRIPTION.CANCELLED`.
 */
export class SpawnProcessRunner implements ProcessRunner {
  run(command: string, args: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new LeapError('TRANSCRIPTION.CANCELLED', `${command} was cancelled before it started`, { retryable: true }));
        return;
      }
      const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let err = '';
      let failure: LeapError | undefined;
      child.stdout.on('data', (chunk: Buffer) => {
        out.push(chunk);
        options.onStdout?.(chunk.toString('utf8'));
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err = (err + chunk.toString('utf8')).slice(-STDERR_TAIL);
      });
      const stop = (error: LeapError) => {
        failure ??= error;
        child.kill('SIGKILL');
      };
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => stop(new LeapError('TRANSCRIPTION.PROVIDER_TIMEOUT', `${command} ran longer than ${options.timeoutMs} ms`, { retryable: true })),
              options.timeoutMs,
            );
      const onAbort = () => stop(new LeapError('TRANSCRIPTION.CANCELLED', `${command} was cancelled`, { retryable: true }));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      child.on('error', (error: NodeJS.ErrnoException) => {
        done();
        if (error.code === 'ENOENT') {
          reject(new LeapError('TRANSCRIPTION.TOOL_MISSING', `${command} was not found: install it or set its path in the configuration`, { retryable: false }));
        } else reject(error);
      });
      child.on('close', (code, signal) => {
        done();
        if (failure) reject(failure);
        else resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString('utf8'), stderr: err });
      });
    });
  }
}
