import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StartProcessOptions {
  command: string;
  args?: string[];
  /** Added to (and overriding) the parent's environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Used in messages (default: the command). */
  name?: string;
  /** Ready once a line of output (stdout or stderr) satisfies this. */
  readyWhen?: (line: string) => boolean;
  /** Ready once a GET on this URL answers 2xx. */
  readyUrl?: string;
  /** How long to wait for readiness (default 30 s). */
  readyTimeoutMs?: number;
  /** Lines of output kept (default 2000, oldest dropped first). */
  keepLines?: number;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** Settles when the process has exited. */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** The captured output (stdout and stderr, interleaved by arrival), last `keepLines` lines. */
  lines(): string[];
  output(): string;
  /** Resolves with the first line (already captured or still to come) that satisfies `predicate`. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /**
   * Sends `signal` (default SIGTERM) to the process group and waits for the exit; after
   * `timeoutMs` (default 10 s) the group is killed.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
  /** SIGKILL to the process group, as in a crash; resolves on exit. */
  kill(): Promise<ProcessExit>;
}

/** Readiness failed: the message carries the process's last output. */
export class ProcessStartError extends Error {
  override readonly name = 'ProcessStartError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n--- last output ---\n${output || '(no output)'}\n--- end of output ---`);
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Spawns a child (in its own process group, so wrappers like `npx` take their children with them)
 * for end-to-end tests, captures its output, and resolves once it is ready. If it exits or times
 * out first, it is killed and a `ProcessStartError` shows what it printed. Children still running
 * when the test process exits are killed.
 */
export async function startProcess(options: StartProcessOptions): Promise<RunningProcess> {
  const name = options.name ?? options.command;
  const keepLines = options.keepLines ?? 2000;
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const captured: string[] = [];
  const watchers = new Set<(line: string) => void>();

  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) killGroup(c, 'SIGKILL');
    });
  }

  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      running.delete(child);
      captured.push(`[spawn error] ${error.message}`);
      resolve({ code: null, signal: null });
    });
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const onLine = (line: string) => {
    captured.push(line);
    if (captured.length > keepLines) captured.splice(0, captured.length - keepLines);
    for (const watcher of [...watchers]) watcher(line);
  };
  const stdout = createInterface({ input: child.stdout! });
  const stderr = createInterface({ input: child.stderr! });
  stdout.on('line', onLine);
  stderr.on('line', onLine);
  // Output still buffered in the pipes is read before the exit counts as complete.
  // (A grandchild that keeps a pipe open must not hold the exit up for more than a second.)
  const drained = Promise.race([
    Promise.all([new Promise((r) => stdout.once('close', r)), new Promise((r) => stderr.once('close', r))]),
    exited.then(() => sleep(1000)),
  ]);

  const output = () => captured.join('\n');

  const waitForLine = (predicate: (line: string) => boolean, timeoutMs = readyTimeoutMs) =>
    new Promise<string>((resolve, reject) => {
      const already = captured.find(predicate);
      if (already !== undefined) return resolve(already);
      const done = (error?: Error, line?: string) => {
        watchers.delete(watcher);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(line!);
      };
      const watcher = (line: string) => {
        if (predicate(line)) done(undefined, line);
      };
      const timer = setTimeout(() => done(new ProcessStartError(`${name}: no matching line within ${timeoutMs} ms`, output())), timeoutMs);
      watchers.add(watcher);
      void exited.then(async (exit) => {
        await drained;
        if (watchers.has(watcher)) done(new ProcessStartError(`${name} exited (${describe(exit)}) before printing the awaited line`, output()));
      });
    });

  const handle: RunningProcess = {
    name,
    pid: child.pid ?? -1,
    exited: exited.then(async (exit) => {
      await drained;
      return exit;
    }),
    isRunning: () => !hasExited,
    lines: () => [...captured],
    output,
    waitForLine,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (hasExited) return handle.exited;
      killGroup(child, signal);
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
      try {
        return await handle.exited;
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      killGroup(child, 'SIGKILL');
      return handle.exited;
    },
  };

  try {
    await waitForReadiness(handle, options, readyTimeoutMs, exited);
  } catch (error) {
    await handle.kill();
    if (error instanceof ProcessStartError) throw new ProcessStartError(error.message.split('\n')[0], output());
    throw error;
  }
  return handle;
}

async function waitForReadiness(
  handle: RunningProcess,
  options: StartProcessOptions,
  timeoutMs: number,
  exited: Promise<ProcessExit>,
): Promise<void> {
  const waits: Promise<unknown>[] = [];
  if (options.readyWhen) waits.push(handle.waitForLine(options.readyWhen, timeoutMs));
  if (options.readyUrl) waits.push(pollUrl(handle, options.readyUrl, timeoutMs, exited));
  if (waits.length === 0) {
    // No readiness condition: spawned is enough, unless it could not even start.
    const outcome = await Promise.race([exited.then((exit) => exit), sleep(50).then(() => undefined)]);
    if (outcome && !handle.isRunning()) throw new ProcessStartError(`${handle.name} exited at once (${describe(outcome)})`, handle.output());
    return;
  }
  for (const wait of waits) wait.catch(() => undefined); // the first failure is reported below
  await Promise.all(waits);
}

async function pollUrl(handle: RunningProcess, url: string, timeoutMs: number, exited: Promise<ProcessExit>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: ProcessExit | undefined;
  void exited.then((e) => (exit = e));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exit) throw new ProcessStartError(`${handle.name} exited (${describe(exit)}) before ${url} answered`, handle.output());
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(Math.max(100, Math.min(2000, deadline - Date.now()))) });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new ProcessStartError(`${handle.name}: ${url} not ready within ${timeoutMs} ms (last: ${last})`, handle.output());
}

function describe(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}
