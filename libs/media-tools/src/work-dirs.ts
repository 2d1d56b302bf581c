import type { Dirent } from 'node:fs';
import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `leap-<kind>-<pid>-<random>`: the owning process is in the name, so a sweep can tell orphans. */
const WORK_DIR = /^leap-([a-z][a-z0-9]*)-(\d+)-[A-Za-z0-9]{6}$/;

/**
 * A scratch folder for one job, under the OS temp folder, named after its kind and this process.
 * The job removes it when it ends; `sweepWorkDirs` removes those of jobs that were killed.
 */
export async function makeWorkDir(kind: string, root: string = tmpdir()): Promise<string> {
  if (!/^[a-z][a-z0-9]*$/.test(kind)) throw new Error(`A work folder kind is lower-case letters and digits, got "${kind}"`);
  return mkdtemp(join(root, `leap-${kind}-${process.pid}-`));
}

/**
 * Whether a process with this id may run on this host. Only ESRCH says it is gone; EPERM (it runs,
 * under another user) or any other doubt counts as alive, so its folders wait for `maxAgeMs`.
 */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Bytes of the files under a folder, links not followed; what cannot be read counts as 0. */
async function sizeOf(path: string): Promise<number> {
  let entries: Dirent[];
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  let bytes = 0;
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) bytes += await sizeOf(child);
    else if (entry.isFile()) bytes += await lstat(child).then((stats) => stats.size, () => 0);
  }
  return bytes;
}

export interface SweepWorkDirsOptions {
  /** Where the folders are; the OS temp folder by default. */
  root?: string;
  /** Folders older than this go whatever their process (containers reuse process ids). */
  maxAgeMs: number;
  now?: number;
  isAlive?: (pid: number) => boolean;
  logger?: { info(message: string, meta?: Record<string, unknown>): unknown; warn(message: string, meta?: Record<string, unknown>): unknown };
}

/**
 * Removes the work folders of jobs that can no longer finish: those whose process is gone, and
 * any older than `maxAgeMs`. Only real folders named like `makeWorkDir`'s are touched (never a
 * link, never anything else in the temp folder). Never throws; returns the folders removed.
 */
export async function sweepWorkDirs(options: SweepWorkDirsOptions): Promise<string[]> {
  const root = options.root ?? tmpdir();
  const now = options.now ?? Date.now();
  const isAlive = options.isAlive ?? processIsAlive;
  const removed: string[] = [];
  let bytes = 0;
  let names: string[];
  try {
    names = await readdir(root);
  } catch (error) {
    options.logger?.warn('Could not list the temp folder for stale work folders', { root, error: (error as Error).message });
    return removed;
  }
  for (const name of names) {
    const match = WORK_DIR.exec(name);
    if (!match) continue;
    const path = join(root, name);
    try {
      const stats = await lstat(path);
      if (!stats.isDirectory()) continue;
      const pid = Number(match[2]);
      const orphaned = pid !== process.pid && !isAlive(pid);
      const stale = now - stats.mtimeMs > options.maxAgeMs;
      if (!orphaned && !stale) continue;
      const size = await sizeOf(path);
      await rm(path, { recursive: true, force: true });
      bytes += size;
      removed.push(path);
    } catch (error) {
      // Gone meanwhile (its job ended) or not ours to remove: leave it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        options.logger?.warn('Could not remove a stale work folder', { path, error: (error as Error).message });
      }
    }
  }
  if (removed.length > 0) {
    options.logger?.info(`Removed ${removed.length} work folder(s) (${bytes} bytes) of jobs that were killed or ran too long`, { folders: removed, bytes });
  }
  return removed;
}

/**
 * Sweeps the work folders of killed jobs shortly after start and then every `intervalMs`, as a
 * Nest provider (`onApplicationBootstrap` / `onModuleDestroy`): a service registers it with a
 * factory giving its own `maxAgeMs` and logger.
 */
export class WorkDirSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly options: SweepWorkDirsOptions & { intervalMs?: number; firstDelayMs?: number }) {}

  onApplicationBootstrap(): void {
    const interval = this.options.intervalMs ?? 3600_000;
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = sweepWorkDirs(this.options).finally(() => {
          this.running = undefined;
          if (this.timer) tick(interval);
        });
      }, delay);
      this.timer.unref();
    };
    tick(this.options.firstDelayMs ?? 5_000);
  }

  async onModuleDestroy(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
