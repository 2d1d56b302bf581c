/**
 * Runs tasks with the same key one after another, in submission order, and tasks with
 * different keys concurrently. Used by consumers so that the messages of one aggregate are
 * handled in order while other aggregates proceed in parallel.
 */
export class KeyedExecutor {
  private readonly tails = new Map<string, Promise<void>>();

  run(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  get activeKeys(): number {
    return this.tails.size;
  }
}
