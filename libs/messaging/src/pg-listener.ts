import { Client } from 'pg';
import type { MessagingLogger } from './logger';

export interface PgListenerOptions {
  url: string;
  /** Shown in `pg_stat_activity`. */
  applicationName: string;
  channel: string;
  onNotification(payload: string): void;
  /** Each time it listens again (at start and after a reconnect): notifications sent meanwhile were missed. */
  onListening(): void;
  logger: MessagingLogger;
  /** Logged when it cannot listen, e.g. `Outbox relay`. */
  who: string;
  retryMs?: number;
}

/**
 * One connection that LISTENs on a channel and listens again, every `retryMs`, whenever the
 * connection ends. Whoever uses it also polls, so a missed notification only delays work.
 */
export class PgListener {
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly options: PgListenerOptions) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retry) clearTimeout(this.retry);
    this.retry = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** One retry at a time, however many ways the connection reports its end. */
  private scheduleListen(): void {
    if (!this.running || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.listen();
    }, this.options.retryMs ?? 1000);
    this.retry.unref();
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.url, application_name: this.options.applicationName });
    client.on('error', () => undefined);
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
      this.scheduleListen();
    });
    client.on('notification', (n) => {
      if (n.channel === this.options.channel && n.payload !== undefined) this.options.onNotification(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
      if (!this.running) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.options.onListening();
    } catch (error) {
      await client.end().catch(() => undefined);
      this.options.logger.warn(`${this.options.who} could not LISTEN; polling until it can`, { error: (error as Error).message });
      this.scheduleListen();
    }
  }
}
