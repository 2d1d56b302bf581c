import type { DataSource } from 'typeorm';

export interface DatabaseHealthResult {
  healthy: boolean;
  /** Time the check took (up to the timeout). */
  latencyMs: number;
  /** Why the database is not healthy. */
  error?: string;
}

/**
 * Readiness check of a service database: `SELECT 1` through the service's own pool, failing after
 * `timeoutMs` (default 2 s) so a probe never hangs on an exhausted pool or a silent network.
 */
export class DatabaseHealth {
  private readonly timeoutMs: number;

  constructor(
    private readonly dataSource: DataSource,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
  }

  async check(): Promise<DatabaseHealthResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (!this.dataSource.isInitialized) return { healthy: false, latencyMs: 0, error: 'database connection is not open' };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    const query = this.dataSource.query('SELECT 1');
    query.catch(() => undefined); // may settle after the timeout
    try {
      await Promise.race([query, timeout]);
      return { healthy: true, latencyMs: elapsed() };
    } catch (error) {
      return { healthy: false, latencyMs: elapsed(), error: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async isHealthy(): Promise<boolean> {
    return (await this.check()).healthy;
  }
}
