import { existsSync } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { makeWorkDir } from '@leap/media-tools';
import { LeapError } from '@leap/errors';
import { parsePocketsphinxOutput, wavDurationSeconds } from './pocketsphinx-output';
import type { AudioConverter } from './audio-converter';
import type { ProcessRunner } from './process-runner';
import { UNLIMITED, type RecognitionResult, type TranscribeOptions, type TranscriptionProvider } from './transcription-provider';

/** Where Debian's `pocketsphinx-en-us` package puts the US English model. */
export const DEFAULT_POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

export interface PocketsphinxOptions {
  /** The `pocketsphinx_continuous` binary; found on PATH when absent. */
  binary?: string;
  /** Folder holding `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`. */
  modelDir?: string;
  /** Longest a conversion or recognition may run, in milliseconds. */
  timeoutMs?: number;
  /**
   * Run the recogniser under `stdbuf -oL` so each recognised word reaches us as it is printed
   * (progress follows the recogniser's position in the audio); otherwise its output comes in
   * 4 KiB blocks.
   */
  lineBuffered?: boolean;
}

/** The directories of PATH holding an executable `name`, first match; undefined when none does. */
export function findOnPath(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * The offline recogniser: CMU pocketsphinx with its US English model, no network. The input is
 * first converted to 16 kHz mono WAV with ffmpeg. It knows one language, so every transcript it
 * makes is `en`; vocabulary hints are not used.
 */
export class PocketsphinxProvider implements TranscriptionProvider {
  readonly name = 'pocketsphinx';
  readonly model = 'cmusphinx-en-us';
  /** It reads a file of any length; chunks only help it use several cores. */
  readonly limits = UNLIMITED;
  readonly languages = ['en'];

  constructor(
    private readonly runner: ProcessRunner,
    private readonly converter: AudioConverter,
    private readonly options: PocketsphinxOptions = {},
  ) {}

  private modelFiles(): { hmm: string; lm: string; dict: string } {
    const dir = this.options.modelDir ?? DEFAULT_POCKETSPHINX_MODEL_DIR;
    const files = { hmm: join(dir, 'en-us'), lm: join(dir, 'en-us.lm.bin'), dict: join(dir, 'cmudict-en-us.dict') };
    const missing = Object.values(files).filter((path) => !existsSync(path));
    if (missing.length > 0) {
      throw new LeapError(
        'TRANSCRIPTION.TOOL_MISSING',
        `The pocketsphinx model is incomplete (missing ${missing.join(', ')}): install pocketsphinx-en-us or set POCKETSPHINX_MODEL_DIR`,
        { retryable: false },
      );
    }
    return files;
  }

  private binary(configured: string | undefined, fallback: string, key: string): string {
    if (configured && !existsSync(configured)) {
      throw new LeapError('TRANSCRIPTION.TOOL_MISSING', `${key} points to ${configured}, which does not exist`, { retryable: false });
    }
    return configured ?? fallback;
  }

  async transcribe(audioPath: string, options: TranscribeOptions): Promise<RecognitionResult> {
    const model = this.modelFiles();
    const pocketsphinx = this.binary(this.options.binary, 'pocketsphinx_continuous', 'POCKETSPHINX_PATH');
    const dir = await makeWorkDir('pocketsphinx');
    try {
      const wav = join(dir, 'speech.wav');
      const report = options.onProgress ?? (() => undefined);
      report(0, 'converting the audio');
      await this.converter.toWav16kMono(audioPath, wav, { signal: options.signal, timeoutMs: this.options.timeoutMs });
      const durationSeconds = await readWavDuration(wav);
      report(0.1, 'recognising speech');
      const args = ['-infile', wav, '-time', 'yes', '-hmm', model.hmm, '-lm', model.lm, '-dict', model.dict];
      const stdbuf = this.options.lineBuffered ? findOnPath('stdbuf') : undefined;
      if (stdbuf && !findOnPath(pocketsphinx)) {
        throw new LeapError('TRANSCRIPTION.TOOL_MISSING', `${pocketsphinx} was not found: install the pocketsphinx and pocketsphinx-en-us packages or set POCKETSPHINX_PATH`, {
          retryable: false,
        });
      }
      // The recogniser's position: the end of the last word it printed, against the audio's length.
      let pending = '';
      const onStdout = (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        const last = parsePocketsphinxOutput(lines.join('\n')).at(-1);
        if (last && durationSeconds > 0) report(0.1 + 0.9 * Math.min(1, last.end / durationSeconds), 'recognising speech');
      };
      const recognised = await this.runner
        .run(stdbuf ?? pocketsphinx, stdbuf ? ['-oL', pocketsphinx, ...args] : args, {
          signal: options.signal,
          timeoutMs: this.options.timeoutMs,
          onStdout,
        })
        .catch((error: unknown) => {
          if (error instanceof LeapError && error.code === 'TRANSCRIPTION.TOOL_MISSING') {
            throw new LeapError(
              'TRANSCRIPTION.TOOL_MISSING',
              `${pocketsphinx} was not found: install the pocketsphinx and pocketsphinx-en-us packages or set POCKETSPHINX_PATH`,
              { retryable: false },
            );
          }
          throw error;
        });
      if (recognised.code !== 0) {
        const reason = recognised.stderr.trim().split('\n').filter((l) => /error|fatal/i.test(l)).pop() ?? `exit code ${recognised.code}`;
        throw new LeapError('TRANSCRIPTION.PROVIDER_FAILED', `pocketsphinx failed: ${reason}`, { retryable: true });
      }
      return { language: 'en', durationSeconds, words: parsePocketsphinxOutput(recognised.stdout), usage: { audioSeconds: durationSeconds } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function readWavDuration(path: string): Promise<number> {
  const size = (await stat(path)).size;
  const handle = await open(path, 'r');
  try {
    const header = Buffer.alloc(Math.min(size, 4096));
    await handle.read(header, 0, header.length, 0);
    return wavDurationSeconds(header, size);
  } finally {
    await handle.close();
  }
}
