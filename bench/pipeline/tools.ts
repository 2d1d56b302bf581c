/**
 * The work itself, for the pipeline benchmark: timing wrappers around ffprobe, ffmpeg and
 * pocketsphinx that the services run instead of the real binaries (through FFMPEG_PATH,
 * FFPROBE_PATH and POCKETSPHINX_PATH), and the "work floor": the same commands the services run,
 * run directly by the benchmark on the same files.
 *
 * A wrapper is a small bash script. It reads the clock ($EPOCHREALTIME, no extra process) right
 * before it starts the real binary and right after it exits, and writes one file per call with
 * those times, the exit code, the CPU time of the binary (bash's `times`) and the arguments. The
 * cost of starting bash itself falls outside the measured interval, so it counts as overhead,
 * not as work; `wrapperCost` measures it.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { binaryPath, detectSilences, ffprobe, runFfmpeg } from '@leap/media-tools';

export type ToolName = 'ffprobe' | 'ffmpeg' | 'pocketsphinx';

/** What a call did, told apart by its arguments (the commands of services/media-processing/src/trim and services/transcription/src/recognition). */
export type Step = 'probe' | 'silences' | 'cut' | 'audio' | 'wav' | 'recognise' | 'other';

export const STEPS: { step: Step; label: string; stage: 'TRIM' | 'TRANSCRIBE' }[] = [
  { step: 'probe', label: 'ffprobe', stage: 'TRIM' },
  { step: 'silences', label: 'ffmpeg silencedetect', stage: 'TRIM' },
  { step: 'cut', label: 'ffmpeg cut (stream copy)', stage: 'TRIM' },
  { step: 'audio', label: 'ffmpeg audio extraction (mp3)', stage: 'TRIM' },
  { step: 'wav', label: 'ffmpeg mp3 -> 16 kHz wav', stage: 'TRANSCRIBE' },
  { step: 'recognise', label: 'pocketsphinx', stage: 'TRANSCRIBE' },
];

export interface ToolRun {
  tool: ToolName;
  step: Step;
  /** Epoch milliseconds (sub-millisecond resolution) right before the binary started and right after it exited. */
  start: number;
  end: number;
  /** User + system CPU time of the binary. */
  cpuMs: number;
  exitCode: number;
  args: string[];
}

export interface RealTools {
  ffmpeg: string;
  ffprobe: string;
  pocketsphinx: string;
  modelDir: string;
}

export interface Wrappers {
  ffmpeg: string;
  ffprobe: string;
  pocketsphinx: string;
  logDir: string;
}

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The binaries the services would use, resolved the way they resolve them (@leap/media-tools, POCKETSPHINX_PATH, PATH). */
export function realTools(): RealTools {
  const pocketsphinx = process.env.POCKETSPHINX_PATH || which('pocketsphinx_continuous');
  if (!pocketsphinx) throw new Error('pocketsphinx_continuous was not found: install pocketsphinx and pocketsphinx-en-us, or set POCKETSPHINX_PATH');
  const modelDir = process.env.POCKETSPHINX_MODEL_DIR || '/usr/share/pocketsphinx/model/en-us';
  if (!existsSync(join(modelDir, 'en-us.lm.bin'))) throw new Error(`no pocketsphinx model in ${modelDir}: install pocketsphinx-en-us or set POCKETSPHINX_MODEL_DIR`);
  return { ffmpeg: binaryPath('ffmpeg'), ffprobe: binaryPath('ffprobe'), pocketsphinx, modelDir };
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function wrapperScript(tool: string, real: string, logDir: string): string {
  return [
    '#!/bin/bash',
    `# Timing wrapper of the pipeline benchmark: runs ${tool} and records when it ran and the CPU it used.`,
    'start=$EPOCHREALTIME',
    `${quote(real)} "$@"`,
    'rc=$?',
    'end=$EPOCHREALTIME',
    `{ printf '%s\\t%s\\t%s\\t%s\\n' ${quote(tool)} "$start" "$end" "$rc"; times; printf '%s\\n' "$@"; } > ${quote(logDir)}/"$$-$start"`,
    'exit $rc',
    '',
  ].join('\n');
}

async function writeWrapper(dir: string, name: string, tool: string, real: string, logDir: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, wrapperScript(tool, real, logDir));
  await chmod(path, 0o755);
  return path;
}

/** Writes the three wrappers into `dir`; each call leaves a file in `logDir`. */
export async function writeWrappers(dir: string, logDir: string, real: RealTools): Promise<Wrappers> {
  await mkdir(dir, { recursive: true });
  await mkdir(logDir, { recursive: true });
  return {
    ffmpeg: await writeWrapper(dir, 'ffmpeg', 'ffmpeg', real.ffmpeg, logDir),
    ffprobe: await writeWrapper(dir, 'ffprobe', 'ffprobe', real.ffprobe, logDir),
    pocketsphinx: await writeWrapper(dir, 'pocketsphinx_continuous', 'pocketsphinx', real.pocketsphinx, logDir),
    logDir,
  };
}

/** `0m1.234s` (bash's `times`) in milliseconds. */
function bashTimeMs(text: string): number {
  const m = /(\d+)m([\d.,]+)s/.exec(text);
  return m ? (Number(m[1]) * 60 + Number(m[2]!.replace(',', '.'))) * 1000 : NaN;
}

const epochMs = (text: string) => Number(text.replace(',', '.')) * 1000;

function classify(tool: ToolName, args: string[]): Step {
  if (tool === 'ffprobe') return 'probe';
  if (tool === 'pocketsphinx') return 'recognise';
  if (args.some((a) => a.startsWith('silencedetect'))) return 'silences';
  if (args.includes('libmp3lame')) return 'audio';
  if (args.includes('pcm_s16le')) return 'wav';
  const c = args.indexOf('-c');
  if (c >= 0 && args[c + 1] === 'copy') return 'cut';
  return 'other';
}

/** Every call the wrappers recorded in `logDir`, oldest first. */
export async function readToolRuns(logDir: string): Promise<ToolRun[]> {
  const runs: ToolRun[] = [];
  for (const name of await readdir(logDir)) {
    const lines = (await readFile(join(logDir, name), 'utf8')).split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const [tool, start, end, rc] = lines[0]!.split('\t') as [ToolName, string, string, string];
    // `times`: the shell's own user and system time, then its children's (the binary).
    const children = (lines[2] ?? '').trim().split(/\s+/);
    const args = lines.slice(3);
    runs.push({
      tool,
      step: classify(tool, args),
      start: epochMs(start),
      end: epochMs(end),
      cpuMs: bashTimeMs(children[0] ?? '') + bashTimeMs(children[1] ?? ''),
      exitCode: Number(rc),
      args,
    });
  }
  return runs.sort((a, b) => a.start - b.start);
}

/** Runs a command to completion, collecting its output, and returns how long it took as Node sees it. */
export function runTimed(command: string, args: string[]): Promise<{ ms: number; code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, code: code ?? 1, stdout: Buffer.concat(out).toString('utf8') }));
  });
}

/**
 * What starting the wrapper costs on top of the binary (bash's start-up, outside the measured
 * interval): `rounds` calls of a wrapped `/bin/true` against `rounds` calls of `/bin/true`,
 * alternating; the difference of the medians, in ms per call.
 */
export async function wrapperCost(dir: string, rounds = 15): Promise<number> {
  const logDir = join(dir, 'log');
  await mkdir(logDir, { recursive: true });
  const trueBin = which('true') ?? '/bin/true';
  const wrapped = await writeWrapper(dir, 'true', 'true', trueBin, logDir);
  const plain: number[] = [];
  const viaWrapper: number[] = [];
  for (let i = 0; i < rounds; i++) {
    plain.push((await runTimed(trueBin, [])).ms);
    viaWrapper.push((await runTimed(wrapped, [])).ms);
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  return Math.max(0, median(viaWrapper) - median(plain));
}

/** One step of the work floor: as the wrapper measured it, and as the benchmark (the caller of the tool) saw it. */
export interface FloorStep {
  step: Step;
  toolMs: number;
  cpuMs: number;
  callerMs: number;
}

/** The part of the source the trim keeps, as the media-processing service computed it for this recording. */
export interface TrimWindow {
  start: number;
  end: number;
}

const AUDIO_ARGS = ['-vn', '-sn', '-dn', '-ac', '1', '-ar', '16000', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'];
const cutInput = (path: string, w: TrimWindow) => ['-ss', w.start.toFixed(3), '-i', path, '-t', (w.end - w.start).toFixed(3)];

/**
 * The work floor: the commands the trim stage (services/media-processing/src/trim/trim.service.ts)
 * and the recogniser (services/transcription/src/recognition) run for one recording, with the same
 * arguments and through the same @leap/media-tools functions, one after another on an mp4 source,
 * through the wrappers so that they are measured exactly as in the pipeline. Nothing else runs in
 * between: no storage, no database, no messages.
 */
export async function workFloor(source: string, window: TrimWindow, dir: string, real: RealTools): Promise<FloorStep[]> {
  await mkdir(dir, { recursive: true });
  const logDir = join(dir, 'log');
  await mkdir(logDir, { recursive: true });
  const w = await writeWrappers(join(dir, 'bin'), logDir, real);
  const callers: { step: Step; ms: number }[] = [];
  const timed = async (step: Step, run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    callers.push({ step, ms: performance.now() - started });
  };
  const video = join(dir, 'video.mp4');
  const audio = join(dir, 'audio.mp3');
  const wav = join(dir, 'speech.wav');
  await timed('probe', () => ffprobe(source, { ffprobePath: w.ffprobe }));
  await timed('silences', () => detectSilences(source, { thresholdDb: -40, minSilenceSeconds: 2, ffmpegPath: w.ffmpeg }));
  await timed('cut', () =>
    runFfmpeg(['-y', ...cutInput(source, window), '-map', '0:V?', '-map', '0:a?', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', video], { ffmpegPath: w.ffmpeg }),
  );
  await timed('audio', () => runFfmpeg(['-y', ...cutInput(source, window), '-map', '0:a:0', ...AUDIO_ARGS, audio], { ffmpegPath: w.ffmpeg }));
  await timed('wav', () => runFfmpeg(['-v', 'error', '-y', '-i', audio, '-vn', '-ac', '1', '-ar', '16000', '-c:a', 'pcm_s16le', '-f', 'wav', wav], { ffmpegPath: w.ffmpeg }));
  await timed('recognise', async () => {
    const m = real.modelDir;
    const r = await runTimed(w.pocketsphinx, ['-infile', wav, '-time', 'yes', '-hmm', join(m, 'en-us'), '-lm', join(m, 'en-us.lm.bin'), '-dict', join(m, 'cmudict-en-us.dict')]);
    if (r.code !== 0) throw new Error(`pocketsphinx exited with ${r.code}`);
  });
  const runs = await readToolRuns(logDir);
  return callers.map(({ step, ms }) => {
    const run = runs.find((r) => r.step === step);
    return { step, toolMs: run ? run.end - run.start : NaN, cpuMs: run?.cpuMs ?? NaN, callerMs: ms };
  });
}
