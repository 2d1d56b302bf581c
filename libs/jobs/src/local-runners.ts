/** What a job queued in this process needs of a runner here. */
export interface LocalRunner {
  /** Wakes a loop of `kind` when it has a free slot; false when it has none (or runs no such kind). */
  wakeIfFree(kind: string): boolean;
}

/** Runners started in this process, by schema: a commit that queued a job wakes them directly. */
const runners = new Map<string, Set<LocalRunner>>();

export function addLocalRunner(schema: string, runner: LocalRunner): void {
  const set = runners.get(schema) ?? new Set<LocalRunner>();
  set.add(runner);
  runners.set(schema, set);
}

export function removeLocalRunner(schema: string, runner: LocalRunner): void {
  runners.get(schema)?.delete(runner);
}

/** True when a runner of this process took the wake-up; otherwise the caller tells the other replicas. */
export function wakeLocalRunner(schema: string, kind: string): boolean {
  for (const runner of runners.get(schema) ?? []) if (runner.wakeIfFree(kind)) return true;
  return false;
}
